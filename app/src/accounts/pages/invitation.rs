use super::{token_param, PasswordHint};
use crate::accounts::{invitation, AcceptInvitation};
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;
use leptos_meta::Title;

/// Where an invitation link lands: the person chooses their password and is
/// signed in.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = token_param();
    let offer = Resource::new(token, invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let (error, form_error) = action_errors(accept);
    view! {
        <Title text="Your invitation · Volume Licensing portal"/>
        <main id="main" class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match offer.await {
                        Ok(offer) => view! {
                            <h2>"Welcome, " {offer.display_name.clone()}</h2>
                            <p>"You are invited as " <strong>{offer.role.clone()}</strong> " of " <strong>{offer.organisation.clone()}</strong> ". You will sign in with " <strong data-testid="invited-email">{offer.email.clone()}</strong> "."</p>
                            <ActionForm action=accept attr:novalidate=true attr:class="stacked">
                                <FormToken/>
                                <input type="hidden" name="token" value=token()/>
                                // Lets password managers store the new password with the right address.
                                <input type="hidden" name="username" autocomplete="username" value=offer.email.clone()/>
                                <div class="field">
                                    <label for="password">"Choose your password"</label>
                                    <input id="password" name="password" type="password" autocomplete="new-password"
                                        aria-describedby="password-hint password-error"/>
                                    <PasswordHint/>
                                    <FieldError error field="password"/>
                                </div>
                                <FormError error=form_error/>
                                <button type="submit" disabled=move || accept.pending().get()>"Create my account"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! {
                            <h2>"This invitation cannot be used"</h2>
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <p><a href="/sign-in">"Sign in"</a>" if you already have an account."</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
