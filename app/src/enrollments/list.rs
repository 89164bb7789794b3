use super::list_enrollments;
use crate::ui::StatusBadge;
use crate::ui::{urlencode, FieldError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

/// The enrollments the user may see, with search, a status filter and
/// pagination by key. The search is a GET form, so it works without JavaScript.
#[component]
pub fn EnrollmentsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name);
    let list = Resource::new(
        move || (param("q"), param("status"), param("after")),
        |(q, status, after)| list_enrollments(q, status, after),
    );
    let q_value = move || param("q").unwrap_or_default();
    let status_is = move |s: &'static str| move || param("status").unwrap_or_default() == s;
    view! {
        <Title text="Enrollments · Volume Licensing portal"/>
        <h1>"Enrollments"</h1>
        <Form method="GET" action="" attr:class="search">
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
        </Form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => {
                        let error = Signal::stored(Some(e.clone()));
                        view! {
                            <FieldError error field="q"/>
                            <FieldError error field="status"/>
                            {(!matches!(e, crate::error::AppError::Invalid { .. })).then(|| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                        }.into_any()
                    }
                    Ok(page) if page.items.is_empty() => view! { <p>"No enrollments match."</p> }.into_any(),
                    Ok(page) => {
                        let next = page.next_after.map(|after| {
                            let mut href = format!("/enrollments?after={after}");
                            if let Some(q) = param("q") { href.push_str(&format!("&q={}", urlencode(&q))); }
                            if let Some(s) = param("status") { href.push_str(&format!("&status={}", urlencode(&s))); }
                            href
                        });
                        view! {
                            <table>
                                <caption>"Enrollments you can see"</caption>
                                <thead><tr>
                                    <th scope="col">"Enrollment"</th><th scope="col">"Name"</th>
                                    <th scope="col">"Agreement"</th><th scope="col">"Customer"</th>
                                    <th scope="col">"Partner"</th><th scope="col">"Ends"</th><th scope="col">"Status"</th>
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
                            <nav aria-label="Pages" class="pages">
                                <a href="/enrollments">"First page"</a>
                                {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
