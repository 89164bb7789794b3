//! The account pages: accepting an invitation, forgetting and resetting a
//! password, the signed-in user's own account page, and the invitations
//! section of the People and Organisations pages.

mod account;
mod invitation;
mod invitations;
mod password_reset;
mod two_step;

pub use account::AccountPage;
pub use invitation::InvitationPage;
pub use invitations::InvitationsSection;
pub use password_reset::{ForgotPasswordPage, ResetPasswordPage};
pub use two_step::{RecoveryCodesPage, SignInCodePage, TwoStepPage};

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `token` parameter of a link's page.
fn token_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

/// The hint under every field where a person chooses a password.
#[component]
fn PasswordHint() -> impl IntoView {
    view! {
        <p class="hint" id="password-hint">
            "At least 12 characters. Any characters, spaces included: a few unrelated words make a strong password. Very common passwords, your email name and your organisation's name are refused."
        </p>
    }
}
