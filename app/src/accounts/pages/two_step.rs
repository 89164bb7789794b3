use crate::accounts::{fresh_recovery_codes, two_step_setup, ConfirmTwoStep, SignInCode};
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;
use leptos_meta::Title;

/// The second step of signing in: a code from the app or a recovery code.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let action = ServerAction::<SignInCode>::new();
    let (error, form_error) = action_errors(action);
    view! {
        <Title text="Two-step sign-in · Volume Licensing portal"/>
        <main id="main" class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Two-step sign-in"</h2>
            <p>"Enter the six-digit code your authenticator app shows for the Volume Licensing portal. Without your phone, enter one of your recovery codes instead."</p>
            <ActionForm action attr:novalidate=true>
                <FormToken/>
                <div class="field">
                    <label for="code">"Code"</label>
                    <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric"
                        aria-describedby="code-error"/>
                    <FieldError error field="code"/>
                </div>
                <FormError error=form_error/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><a href="/sign-in">"Start again"</a></p>
        </main>
    }
}

/// Setting up two-step sign-in: scan the QR code (or type the secret), then
/// confirm with a code.
#[component]
pub fn TwoStepPage() -> impl IntoView {
    let setup = Resource::new(|| (), |_| two_step_setup());
    let action = ServerAction::<ConfirmTwoStep>::new();
    let (error, form_error) = action_errors(action);
    view! {
        <Title text="Set up two-step sign-in · Volume Licensing portal"/>
        <main id="main" class="sign-in two-step">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Set up two-step sign-in"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(setup) => view! {
                            {setup.required.then(|| view! {
                                <p role="status">"Your role requires a second step when you sign in: set it up now to continue."</p>
                            })}
                            <ol>
                                <li>"Open an authenticator app on your phone (Microsoft Authenticator, Google Authenticator or any app for time-based codes)."</li>
                                <li>"Scan this QR code, or add an account by hand with the key below."</li>
                                <li>"Enter the six-digit code the app shows."</li>
                            </ol>
                            <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=setup.qr_svg.clone()></div>
                            <p>"Key: " <code data-testid="two-step-secret">{setup.secret.clone()}</code></p>
                            <ActionForm action attr:novalidate=true>
                                <FormToken/>
                                <div class="field">
                                    <label for="code">"Code from the app"</label>
                                    <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric"
                                        aria-describedby="code-error"/>
                                    <FieldError error field="code"/>
                                </div>
                                <FormError error=form_error/>
                                <button type="submit" disabled=move || action.pending().get()>"Turn on two-step sign-in"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <p><a href="/sign-in">"Sign in"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// The recovery codes, shown once after setting up two-step sign-in.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let codes = Resource::new(|| (), |_| fresh_recovery_codes());
    view! {
        <Title text="Your recovery codes · Volume Licensing portal"/>
        <main id="main" class="sign-in">
            <h1>"Volume Licensing portal"</h1>
            <h2>"Two-step sign-in is on"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match codes.await {
                        Ok(codes) if codes.is_empty() => view! {
                            <p>"Your recovery codes were shown once already; they are not shown again."</p>
                        }.into_any(),
                        Ok(codes) => view! {
                            <p>"If you lose your phone, each of these codes signs you in once instead of a code from the app. Keep them somewhere safe: they are shown only now."</p>
                            <ul class="recovery-codes" data-testid="recovery-codes">
                                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/">"Continue to the portal"</a></p>
        </main>
    }
}
