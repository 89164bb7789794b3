use super::{list_audit_trail, list_security_events, AuditEntry};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The organisation's audit trail: its changes (VLSC administrators) and the
/// security events of its people (administrators; support agents for their
/// own organisation).
#[component]
pub fn AuditPage() -> impl IntoView {
    let changes = Resource::new(|| (), |_| list_audit_trail());
    let security = Resource::new(|| (), |_| list_security_events());
    view! {
        <Title text="Audit trail · Volume Licensing portal"/>
        <h1>"Audit trail"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (changes, security) = (changes.await, security.await);
                // Support agents have security events only: no changes section for them.
                let changes = match changes {
                    Err(AppError::Forbidden(_)) if security.is_ok() => None,
                    other => Some(view! {
                        <h2>"Changes"</h2>
                        <p class="export"><a href="/audit-trail.csv" download>"Download the whole trail of changes (CSV)"</a></p>
                        <Entries entries=other caption="Changes in your organisation, newest first"/>
                    }),
                };
                view! {
                    {changes}
                    <h2>"Security events"</h2>
                    <Entries entries=security caption="Sign-ins, invitations, passwords and sessions of your organisation's people, newest first"/>
                }
            })}
        </Suspense>
    }
}

#[component]
fn Entries(entries: Result<Vec<AuditEntry>, AppError>, caption: &'static str) -> impl IntoView {
    match entries {
        Ok(list) if list.is_empty() => view! { <p>"Nothing has been recorded yet."</p> }.into_any(),
        Ok(list) => view! {
            <table>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                    <th scope="col">"Subject"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Why"</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|e| view! {
                        <tr>
                            <td>{e.at}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.subject}</td>
                            <td>{e.before.unwrap_or_default()}</td><td>{e.after.unwrap_or_default()}</td>
                            <td>{e.reason.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}
