use super::list_contact_changes;
use crate::domain::ContactType;
use crate::lists::{Direction, KeepSorting, ListQuery, Pager, SortHeader};
use crate::ui::StatusBadge;
use leptos::prelude::*;
use leptos_meta::Title;

/// A list of changes, with a contact filter, sorting, the count and pages,
/// all kept in the URL; `awaiting_roc` shows the operations-center queue.
#[component]
fn ChangeList(caption: &'static str, awaiting_roc: bool) -> impl IntoView {
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let changes = Resource::new(
        move || {
            (
                param("contact"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        move |(contact, sort, dir, after, per)| {
            list_contact_changes(awaiting_roc.to_string(), contact, sort, dir, after, per)
        },
    );
    let contact_is = move |c: &'static str| move || param("contact").unwrap_or_default() == c;
    let default = if awaiting_roc {
        Direction::Ascending
    } else {
        Direction::Descending
    };
    view! {
        <form method="get" action=move || query.read().path().to_string() class="search" aria-label="Filter the changes">
            <KeepSorting query/>
            <div class="field">
                <label for="change-filter-contact">"Contact"</label>
                <select id="change-filter-contact" name="contact">
                    <option value="" selected=contact_is("")>"Any"</option>
                    {ContactType::ALL.into_iter().map(|t| view! {
                        <option value=t.code() selected=contact_is(t.code())>{t.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match changes.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No change requests match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            <table>
                                <caption>{caption}</caption>
                                <thead><tr>
                                    <th scope="col">"Reference"</th>
                                    <SortHeader label="Enrollment" key="enrollment" query/>
                                    <th scope="col">"Contact"</th>
                                    <th scope="col">"New name"</th>
                                    <SortHeader label="Status" key="status" query/>
                                    <SortHeader label="Submitted" key="submitted" query default/>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|c| view! {
                                        <tr>
                                            <td><a href=format!("/changes/{}", c.reference)>{c.reference.clone()}</a></td>
                                            <td>{c.enrollment_number}</td><td>{c.contact_label}</td><td>{c.requested_name}</td>
                                            <td><StatusBadge state=c.status_label/></td><td>{c.submitted_at}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="change requests" query/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Every contact change the caller may see, newest first unless sorted otherwise.
#[component]
pub fn ChangesPage() -> impl IntoView {
    view! {
        <Title text="Contact changes · Volume Licensing portal"/>
        <h1>"Contact changes"</h1>
        <ChangeList caption="Contract Information Change Requests" awaiting_roc=false/>
    }
}

/// The operations-center (ROC) queue: manual CICRs waiting for a decision,
/// oldest first unless sorted otherwise.
#[component]
pub fn RocQueuePage() -> impl IntoView {
    view! {
        <Title text="ROC queue · Volume Licensing portal"/>
        <h1>"Operations-center queue"</h1>
        <ChangeList caption="Manual CICRs waiting for a decision" awaiting_roc=true/>
    }
}
