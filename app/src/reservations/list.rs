use super::list_reservations;
use crate::ui::StatusBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Every reservation the user may see, newest first, paginated by key.
#[component]
pub fn ReservationsPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .filter(|b| b.parse::<i64>().is_ok())
    };
    let list = Resource::new(before, list_reservations);
    view! {
        <Title text="Reservations · Volume Licensing portal"/>
        <h1>"Reservations"</h1>
        <p class="export"><a href="/reservations.csv" download>"Download every reservation (CSV)"</a></p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p>"No reservations."</p> }.into_any(),
                    Ok(page) => view! {
                        <table>
                            <caption>"Online reservations, newest first"</caption>
                            <thead><tr>
                                <th scope="col">"Reservation"</th><th scope="col">"Enrollment"</th>
                                <th scope="col">"Product"</th><th scope="col">"Quantity"</th>
                                <th scope="col">"Usage starts"</th><th scope="col">"Status"</th>
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
                        <nav aria-label="Pages" class="pages">
                            <a href="/reservations">"Newest"</a>
                            {page.next_before.map(|b| view! { <a href=format!("/reservations?before={b}") rel="next">"Older"</a> })}
                        </nav>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
