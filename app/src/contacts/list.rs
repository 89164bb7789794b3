use super::{list_contact_changes, ChangeSummary};
use crate::error::AppError;
use crate::ui::StatusBadge;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ChangeTable(
    caption: &'static str,
    changes: Result<Vec<ChangeSummary>, AppError>,
) -> impl IntoView {
    match changes {
        Ok(list) if list.is_empty() => view! { <p>"No change requests."</p> }.into_any(),
        Ok(list) => view! {
            <table>
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Reference"</th><th scope="col">"Enrollment"</th><th scope="col">"Contact"</th>
                    <th scope="col">"New name"</th><th scope="col">"Status"</th><th scope="col">"Submitted"</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|c| view! {
                        <tr>
                            <td><a href=format!("/changes/{}", c.reference)>{c.reference.clone()}</a></td>
                            <td>{c.enrollment_number}</td><td>{c.contact_label}</td><td>{c.requested_name}</td>
                            <td><StatusBadge state=c.status_label/></td><td>{c.submitted_at}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any(),
        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

/// Every contact change the caller may see, newest first.
#[component]
pub fn ChangesPage() -> impl IntoView {
    let changes = Resource::new(|| (), |_| list_contact_changes("false".into()));
    view! {
        <Title text="Contact changes · Volume Licensing portal"/>
        <h1>"Contact changes"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! { <ChangeTable caption="Contract Information Change Requests, newest first" changes=changes.await/> }
            })}
        </Suspense>
    }
}

/// The operations-center (ROC) queue: manual CICRs waiting for a decision.
#[component]
pub fn RocQueuePage() -> impl IntoView {
    let changes = Resource::new(|| (), |_| list_contact_changes("true".into()));
    view! {
        <Title text="ROC queue · Volume Licensing portal"/>
        <h1>"Operations-center queue"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! { <ChangeTable caption="Manual CICRs waiting for a decision, oldest first" changes=changes.await/> }
            })}
        </Suspense>
    }
}
