use super::admin_forms::PersonRow;
use super::{
    list_customers, list_organisations, list_people, organisation_enrollment_numbers,
    ChangeReservationPermission, DeactivatePerson, OrganisationSummary,
};
use crate::error::AppError;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;

/// A message in place of a page's content when loading it failed.
#[component]
fn Refusal(error: AppError) -> impl IntoView {
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}

/// The organisation's portal users (VLSC administrators): invite people, remove
/// OLAs, deactivate users, grant and revoke the manage-reservation permission.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let deactivate = ServerAction::<DeactivatePerson>::new();
    let permission = ServerAction::<ChangeReservationPermission>::new();
    let reset = ServerAction::<crate::accounts::ResetTwoStep>::new();
    let people = Resource::new(
        move || {
            (
                deactivate.version().get(),
                permission.version().get(),
                reset.version().get(),
            )
        },
        |_| async { (list_people().await, organisation_enrollment_numbers().await) },
    );
    let row_error = Signal::derive(move || {
        deactivate
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| permission.value().get().and_then(|r| r.err()))
            .or_else(|| reset.value().get().and_then(|r| r.err()))
    });
    view! {
        <Title text="People · Volume Licensing portal"/>
        <h1>"People"</h1>
        <FormError error=row_error/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    (Ok(people), Ok(enrollments)) => view! {
                        <table>
                            <caption>"Portal users of your organisation"</caption>
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                                <th scope="col">"Status"</th><th scope="col">"Two-step sign-in"</th><th scope="col">"Manages reservations on"</th><th scope="col">"Action"</th>
                            </tr></thead>
                            <tbody>
                                {people.into_iter().map(|person| view! {
                                    <PersonRow person deactivate permission reset enrollments=enrollments.clone()/>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <crate::accounts::InvitationsSection/>
                        <p><a href="/audit">"Audit trail of your organisation"</a></p>
                    }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <Refusal error/> }.into_any(),
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

/// Every customer organisation (support and ROC). Support also invites an
/// organisation's first administrator here.
#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let crate::auth::CurrentUserResource(user) = expect_context();
    let organisations = Resource::new(|| (), |_| list_organisations());
    view! {
        <Title text="Organisations · Volume Licensing portal"/>
        <h1>"Organisations"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let organisations = organisations.await;
                let support = matches!(user.await, Ok(Some(u)) if u.role == crate::domain::Role::SupportAgent);
                let invite = match (&organisations, support) {
                    (Ok(list), true) => Some(view! { <crate::accounts::InvitationsSection organisations=list.clone()/> }),
                    _ => None,
                };
                view! {
                    <OrganisationList caption="Customer organisations" organisations/>
                    {invite}
                    {support.then(|| view! { <p><a href="/audit">"Security events of your organisation's people"</a></p> })}
                }
            })}
        </Suspense>
    }
}
