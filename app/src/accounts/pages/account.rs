use super::PasswordHint;
use crate::accounts::{my_sessions, two_step_status, ChangePassword, EndSession, SignedInSession};
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;
use leptos_meta::Title;

/// The signed-in user's own account: change the password, see where they are
/// signed in and sign out other sessions.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let end = ServerAction::<EndSession>::new();
    let (error, form_error) = action_errors(change);
    let (_, end_error) = action_errors(end);
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    let sessions = Resource::new(
        move || (change.version().get(), end.version().get()),
        |_| my_sessions(),
    );
    let two_step = Resource::new(|| (), |_| two_step_status());
    view! {
        <Title text="Your account · Volume Licensing portal"/>
        <h1>"Your account"</h1>
        <section aria-labelledby="two-step-heading">
            <h2 id="two-step-heading">"Two-step sign-in"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match two_step.await {
                        Ok(Some(since)) => view! { <p data-testid="two-step-status">"On since " {since} ". If you lose your phone, sign in with a recovery code and ask your VLSC administrator to reset it."</p> }.into_any(),
                        Ok(None) => view! {
                            <p data-testid="two-step-status">"Off. A code from your phone at each sign-in keeps your account safe even if your password leaks."</p>
                            <p><a href="/two-step">"Turn on two-step sign-in"</a></p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you are signed in"</h2>
            <FormError error=end_error/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list end/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action=end attr:class="inline">
                <FormToken/>
                <input type="hidden" name="id" value="others"/>
                <button type="submit" class="secondary">"Sign out everywhere else"</button>
            </ActionForm>
        </section>
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">"Change your password"</h2>
            <Show when=changed>
                <p role="status">"Your password is changed. Your other sessions are signed out."</p>
            </Show>
            <ActionForm action=change attr:novalidate=true attr:class="stacked">
                <FormToken/>
                <div class="field">
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password"
                        autocomplete="current-password" aria-describedby="current_password-error"/>
                    <FieldError error field="current_password"/>
                </div>
                <div class="field">
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password"
                        autocomplete="new-password" aria-describedby="password-hint new_password-error"/>
                    <PasswordHint/>
                    <FieldError error field="new_password"/>
                </div>
                <FormError error=form_error/>
                <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<SignedInSession>, end: ServerAction<EndSession>) -> impl IntoView {
    view! {
        <table>
            <caption>"Your sessions, newest first"</caption>
            <thead><tr>
                <th scope="col">"Browser"</th><th scope="col">"Address"</th><th scope="col">"Signed in"</th>
                <th scope="col">"Last active"</th><th scope="col">"Action"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|s| {
                    let label = format!("Sign out the session of {} started {}", s.browser, s.started);
                    view! {
                        <tr data-testid="session">
                            <td>{s.browser.clone()}</td>
                            <td>{s.address.clone()}</td>
                            <td>{s.started.clone()}</td>
                            <td>{s.last_active.clone()}</td>
                            <td>{if s.is_this_one {
                                view! { <strong>"This session"</strong> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=end attr:class="inline">
                                        <FormToken/>
                                        <input type="hidden" name="id" value=s.id.to_string()/>
                                        <button type="submit" class="secondary" aria-label=label>"Sign out"</button>
                                    </ActionForm>
                                }.into_any()
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
