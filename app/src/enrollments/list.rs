use super::list_enrollments;
use crate::lists::{Direction, KeepSorting, ListQuery, Pager, SortHeader};
use crate::ui::{FieldError, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The enrollments the user may see, with search, a status filter, sorting by
/// its main columns, its count and pagination by key, all kept in the URL.
/// The search is a GET form, so it works without JavaScript.
#[component]
pub fn EnrollmentsPage() -> impl IntoView {
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let list = Resource::new(
        move || {
            (
                param("q"),
                param("status"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        |(q, status, sort, dir, after, per)| list_enrollments(q, status, sort, dir, after, per),
    );
    let q_value = move || param("q").unwrap_or_default();
    let status_is = move |s: &'static str| move || param("status").unwrap_or_default() == s;
    view! {
        <Title text="Enrollments · Volume Licensing portal"/>
        <h1>"Enrollments"</h1>
        <form method="get" action="/enrollments" class="search" role="search">
            <KeepSorting query/>
            <div class="field">
                <label for="q">"Search"</label>
                <input id="q" name="q" type="search" value=q_value
                    placeholder="Number, name, customer or a contact's email"/>
            </div>
            <div class="field">
                <label for="status">"Status"</label>
                <select id="status" name="status">
                    <option value="" selected=status_is("")>"Any"</option>
                    <option value="active" selected=status_is("active")>"Active"</option>
                    <option value="expired" selected=status_is("expired")>"Expired"</option>
                </select>
            </div>
            <button type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => {
                        let error = Signal::stored(Some(e.clone()));
                        view! {
                            <FieldError error field="q"/>
                            <FieldError error field="status"/>
                            {(!matches!(e, crate::error::AppError::Invalid { field: ref f, .. } if f == "q" || f == "status"))
                                .then(|| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                        }.into_any()
                    }
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No enrollments match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            <table>
                                <caption>"Enrollments you can see"</caption>
                                <thead><tr>
                                    <SortHeader label="Enrollment" key="number" query default=Direction::Ascending/>
                                    <SortHeader label="Name" key="name" query/>
                                    <th scope="col">"Agreement"</th>
                                    <SortHeader label="Customer" key="customer" query/>
                                    <th scope="col">"Partner"</th>
                                    <SortHeader label="Ends" key="ends" query/>
                                    <SortHeader label="Status" key="status" query/>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|e| view! {
                                        <tr>
                                            <td><A href=format!("/enrollments/{}", e.number)>{e.number.clone()}</A></td>
                                            <td>{e.name}</td>
                                            <td>{e.agreement_number}</td>
                                            <td>{e.customer_name}</td>
                                            <td>{e.partner_name}</td>
                                            <td>{e.end_date}</td>
                                            <td><StatusBadge state=e.status/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="enrollments" query/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
