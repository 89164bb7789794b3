use super::{SignIn, SignOut};
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in form. Works with and without JavaScript.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let (error, form_error) = action_errors(action);
    view! {
        <Title text="Sign in · Volume Licensing portal"/>
        <main class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Sign in"</h2>
            <Show when=move || query.read().get("reset").is_some()>
                <p role="status">"Your password is changed and every session you had is signed out. Sign in with your new password."</p>
            </Show>
            // The server's messages, shown next to each field, replace the browser's own.
            <ActionForm action attr:novalidate=true>
                <FormToken/>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username"
                        aria-describedby="email-error" required data-required="Enter an email address."/>
                    <FieldError error field="email"/>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password"
                        autocomplete="current-password" aria-describedby="password-error"
                        required data-required="Enter your password."/>
                    <FieldError error field="password"/>
                </div>
                <FormError error=form_error/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
        </main>
    }
}

/// The "Sign out" button in the header.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action attr:class="sign-out">
            <FormToken/>
            <button type="submit">"Sign out"</button>
        </ActionForm>
    }
}
