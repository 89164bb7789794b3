use super::{list_customers, list_organisations, list_people, OrganisationSummary};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// A message in place of a page's content when loading it failed.
#[component]
fn Refusal(error: AppError) -> impl IntoView {
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}

/// The organisation's portal users (VLSC administrators).
#[component]
pub fn PeoplePage() -> impl IntoView {
    let people = Resource::new(|| (), |_| list_people());
    view! {
        <Title text="People · Volume Licensing portal"/>
        <h1>"People"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    Ok(people) => view! {
                        <table>
                            <caption>"Portal users of your organisation"</caption>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th></tr></thead>
                            <tbody>
                                {people.into_iter().map(|p| view! {
                                    <tr>
                                        <td>{p.display_name}</td>
                                        <td>{p.email}</td>
                                        <td>{p.role.label()}</td>
                                        <td>{if p.active { "Active" } else { "Deactivated" }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <Refusal error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrganisationList(
    caption: &'static str,
    organisations: Result<Vec<OrganisationSummary>, AppError>,
) -> impl IntoView {
    match organisations {
        Ok(list) if list.is_empty() => view! { <p>"None yet."</p> }.into_any(),
        Ok(list) => view! {
            <table>
                <caption>{caption}</caption>
                <thead><tr><th scope="col">"Organisation"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|o| view! { <tr><td>{o.name}</td></tr> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        Err(error) => view! { <Refusal error/> }.into_any(),
    }
}

/// The customers a partner serves (partner users).
#[component]
pub fn CustomersPage() -> impl IntoView {
    let customers = Resource::new(|| (), |_| list_customers());
    view! {
        <Title text="Customers · Volume Licensing portal"/>
        <h1>"Customers"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! { <OrganisationList caption="Customers your organisation serves" organisations=customers.await/> }
            })}
        </Suspense>
    }
}

/// Every customer organisation (support and ROC).
#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let organisations = Resource::new(|| (), |_| list_organisations());
    view! {
        <Title text="Organisations · Volume Licensing portal"/>
        <h1>"Organisations"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                view! { <OrganisationList caption="Customer organisations" organisations=organisations.await/> }
            })}
        </Suspense>
    }
}
