use super::admin_forms::PersonRow;
use super::{
    list_customers, list_organisations, list_people, organisation_choices,
    organisation_enrollment_numbers, ChangeReservationPermission, DeactivatePerson,
    OrganisationSummary,
};
use crate::error::AppError;
use crate::lists::{Direction, KeepSorting, ListError, ListQuery, Page, Pager, SortHeader};
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The organisation's portal users (VLSC administrators): invite people, remove
/// OLAs, deactivate users, grant and revoke the manage-reservation permission.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let deactivate = ServerAction::<DeactivatePerson>::new();
    let permission = ServerAction::<ChangeReservationPermission>::new();
    let reset = ServerAction::<crate::accounts::ResetTwoStep>::new();
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let people = Resource::new(
        move || {
            (
                (
                    deactivate.version().get(),
                    permission.version().get(),
                    reset.version().get(),
                ),
                (
                    param("q"),
                    param("sort"),
                    param("dir"),
                    param("after"),
                    param("per"),
                ),
            )
        },
        |(_, (q, sort, dir, after, per))| async move {
            (
                list_people(q, sort, dir, after, per).await,
                organisation_enrollment_numbers().await,
            )
        },
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
        <form method="get" action="/people" class="search" role="search">
            <KeepSorting query/>
            <div class="field">
                <label for="people-q">"Search"</label>
                <input id="people-q" name="q" type="search" value=move || param("q").unwrap_or_default()
                    placeholder="Name or email address"/>
            </div>
            <button type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    (Ok(page), Ok(enrollments)) => {
                        let shown = page.items.len();
                        view! {
                            {if page.items.is_empty() {
                                view! { <p class="empty">"No one matches."</p> }.into_any()
                            } else {
                                view! {
                                    <table>
                                        <caption>"Portal users of your organisation"</caption>
                                        <thead><tr>
                                            <SortHeader label="Name" key="name" query default=Direction::Ascending/>
                                            <SortHeader label="Email" key="email" query/>
                                            <SortHeader label="Role" key="role" query/>
                                            <th scope="col">"Status"</th><th scope="col">"Two-step sign-in"</th><th scope="col">"Manages reservations on"</th><th scope="col">"Action"</th>
                                        </tr></thead>
                                        <tbody>
                                            {page.items.into_iter().map(|person| view! {
                                                <PersonRow person deactivate permission reset enrollments=enrollments.clone()/>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                    <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="people" query/>
                                }.into_any()
                            }}
                            <crate::accounts::InvitationsSection/>
                            <p><a href="/audit">"Audit trail of your organisation"</a></p>
                        }.into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => view! { <ListError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A list of organisations with a search by name, sorting, the count and
/// pages, all in the URL; `list` reads a page of it.
#[component]
fn OrganisationList<F, Fut>(caption: &'static str, list: F) -> impl IntoView
where
    F: Fn(Option<String>, Option<String>, Option<String>, Option<String>, Option<String>) -> Fut
        + Send
        + Sync
        + Copy
        + 'static,
    Fut: std::future::Future<Output = Result<Page<OrganisationSummary>, AppError>> + Send + 'static,
{
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let organisations = Resource::new(
        move || {
            (
                param("q"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        move |(q, sort, dir, after, per)| list(q, sort, dir, after, per),
    );
    view! {
        <form method="get" action=move || query.read().path().to_string() class="search" role="search">
            <KeepSorting query/>
            <div class="field">
                <label for="organisation-q">"Search"</label>
                <input id="organisation-q" name="q" type="search" value=move || param("q").unwrap_or_default()
                    placeholder="Organisation name"/>
            </div>
            <button type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match organisations.await {
                    Err(error) => view! { <ListError error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No organisations match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            <table>
                                <caption>{caption}</caption>
                                <thead><tr><SortHeader label="Organisation" key="name" query default=Direction::Ascending/></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|o| view! { <tr><td>{o.name}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="organisations" query/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The customers a partner serves (partner users).
#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <Title text="Customers · Volume Licensing portal"/>
        <h1>"Customers"</h1>
        <OrganisationList caption="Customers your organisation serves" list=list_customers/>
    }
}

/// Every customer organisation (support and ROC). Support also invites an
/// organisation's first administrator here.
#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let crate::auth::CurrentUserResource(user) = expect_context();
    // Asked of the server only for a support agent, who invites.
    let choices = Resource::new(
        || (),
        move |_| async move {
            match user.await {
                Ok(Some(u)) if u.role == crate::domain::Role::SupportAgent => {
                    organisation_choices().await.ok()
                }
                _ => None,
            }
        },
    );
    view! {
        <Title text="Organisations · Volume Licensing portal"/>
        <h1>"Organisations"</h1>
        <OrganisationList caption="Customer organisations" list=list_organisations/>
        <Suspense>
            {move || Suspend::new(async move {
                choices.await.map(|organisations| view! {
                    <crate::accounts::InvitationsSection organisations/>
                    <p><a href="/audit">"Security events of your organisation's people"</a></p>
                })
            })}
        </Suspense>
    }
}
