use super::list_audit_trail;
use leptos::prelude::*;
use leptos_meta::Title;

/// The organisation's audit trail (VLSC administrators).
#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| list_audit_trail());
    view! {
        <Title text="Audit trail · Volume Licensing portal"/>
        <h1>"Audit trail"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) if list.is_empty() => view! { <p>"Nothing has been recorded yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table>
                            <caption>"Changes in your organisation, newest first"</caption>
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
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
