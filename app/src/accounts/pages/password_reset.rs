use super::{token_param, PasswordHint};
use crate::accounts::{reset_link, RequestPasswordReset, ResetPassword};
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "Forgot your password?": asks for the address and says the same thing
/// whether or not an account has it.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let (error, form_error) = action_errors(action);
    view! {
        <Title text="Forgot your password · Volume Licensing portal"/>
        <main id="main" class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Forgot your password?"</h2>
            <Show when=sent fallback=move || view! {
                <p>"Enter the email address you sign in with. If it has an account, we will send it a link to choose a new password."</p>
                <ActionForm action attr:novalidate=true>
                    <FormToken/>
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" aria-describedby="email-error"/>
                        <FieldError error field="email"/>
                    </div>
                    <FormError error=form_error/>
                    <button type="submit" disabled=move || action.pending().get()>"Send me a link"</button>
                </ActionForm>
            }>
                <p role="status" data-testid="reset-sent">"If an account uses that address, we have sent it a link to choose a new password. The link works once, for 60 minutes. Check your spam folder if it does not arrive."</p>
            </Show>
            <p><a href="/sign-in">"Back to sign-in"</a></p>
        </main>
    }
}

/// Where a reset link lands: choose the new password.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = token_param();
    let link = Resource::new(token, reset_link);
    let action = ServerAction::<ResetPassword>::new();
    let (error, form_error) = action_errors(action);
    view! {
        <Title text="Choose a new password · Volume Licensing portal"/>
        <main id="main" class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Choose a new password"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(()) => view! {
                            <ActionForm action attr:novalidate=true attr:class="stacked">
                                <FormToken/>
                                <input type="hidden" name="token" value=token()/>
                                <div class="field">
                                    <label for="password">"New password"</label>
                                    <input id="password" name="password" type="password" autocomplete="new-password"
                                        aria-describedby="password-hint password-error"/>
                                    <PasswordHint/>
                                    <FieldError error field="password"/>
                                </div>
                                <FormError error=form_error/>
                                <p class="hint">"Choosing a new password signs you out everywhere."</p>
                                <button type="submit" disabled=move || action.pending().get()>"Save my new password"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <p><a href="/forgot-password">"Ask for a new link"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
