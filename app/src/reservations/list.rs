use super::list_reservations;
use crate::lists::{Direction, KeepSorting, ListError, ListQuery, Pager, SortHeader};
use crate::ui::StatusBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Every reservation the user may see: filtered by status and enrollment,
/// sorted by when it was placed (newest first) or by its usage start date,
/// counted and read a page at a time by key, all kept in the URL.
#[component]
pub fn ReservationsPage() -> impl IntoView {
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let list = Resource::new(
        move || {
            (
                param("status"),
                param("enrollment"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        |(status, enrollment, sort, dir, after, per)| {
            list_reservations(status, enrollment, sort, dir, after, per)
        },
    );
    let status_is = move |s: &'static str| move || param("status").unwrap_or_default() == s;
    view! {
        <Title text="Reservations · Volume Licensing portal"/>
        <h1>"Reservations"</h1>
        <p class="export"><a href="/reservations.csv" download>"Download every reservation (CSV)"</a></p>
        <form method="get" action="/reservations" class="search" aria-label="Filter the reservations">
            <KeepSorting query/>
            <div class="field">
                <label for="reservation-enrollment">"Enrollment"</label>
                <input id="reservation-enrollment" name="enrollment" inputmode="numeric"
                    value=move || param("enrollment").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="reservation-status">"Status"</label>
                <select id="reservation-status" name="status">
                    <option value="" selected=status_is("")>"Any"</option>
                    <option value="placed" selected=status_is("placed")>"Placed"</option>
                    <option value="cancelled" selected=status_is("cancelled")>"Cancelled"</option>
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ListError error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No reservations match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            <table>
                                <caption>"Online reservations"</caption>
                                <thead><tr>
                                    <SortHeader label="Reservation" key="placed" query default=Direction::Descending/>
                                    <th scope="col">"Enrollment"</th>
                                    <th scope="col">"Product"</th><th scope="col">"Quantity"</th>
                                    <SortHeader label="Usage starts" key="starts" query/>
                                    <th scope="col">"Status"</th>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.order_number}</td>
                                            <td><A href=format!("/enrollments/{}", r.enrollment_number)>{r.enrollment_number.clone()}</A></td>
                                            <td>{r.product_name}</td>
                                            <td>{r.quantity}</td>
                                            <td>{r.usage_start_date}</td>
                                            <td><StatusBadge state=r.status/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="reservations" query/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
