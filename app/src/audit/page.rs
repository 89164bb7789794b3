use super::{list_audit_trail, list_security_events, AuditEntry};
use crate::auth::CurrentUserResource;
use crate::domain::Role;
use crate::error::AppError;
use crate::lists::{Direction, KeepSorting, ListError, ListQuery, Page, Pager, SortHeader};
use leptos::prelude::*;
use leptos_meta::Title;

/// Which of the trail's two lists the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Shown {
    Changes,
    SecurityEvents,
}

/// The organisation's audit trail, one list at a time: its changes (VLSC
/// administrators) and the security events of its people (administrators;
/// support agents for their own organisation). Each is searched, sorted,
/// counted and paged, with its state in the URL (`show=security` for the
/// security events).
#[component]
pub fn AuditPage() -> impl IntoView {
    let CurrentUserResource(user) = expect_context();
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let list = Resource::new(
        move || {
            (
                param("show"),
                param("q"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        move |(show, q, sort, dir, after, per)| async move {
            // Only an administrator has the changes; anyone else reads the
            // security events (and the server refuses whoever has neither).
            let administrator =
                matches!(user.await, Ok(Some(u)) if u.role == Role::VlscAdministrator);
            let shown = if administrator && show.as_deref() != Some("security") {
                Shown::Changes
            } else {
                Shown::SecurityEvents
            };
            let page = match shown {
                Shown::Changes => list_audit_trail(q, sort, dir, after, per).await,
                Shown::SecurityEvents => list_security_events(q, sort, dir, after, per).await,
            };
            (administrator, shown, page)
        },
    );
    view! {
        <Title text="Audit trail · Volume Licensing portal"/>
        <h1>"Audit trail"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (administrator, shown, page) = list.await;
                let tab = move |label: &'static str, href: &'static str, this: Shown| {
                    view! { <a href=href aria-current=(shown == this).then_some("page")>{label}</a> }
                };
                view! {
                    {administrator.then(|| view! {
                        <nav aria-label="Audit trail" class="sections">
                            {tab("Changes", "/audit", Shown::Changes)}
                            {tab("Security events", "/audit?show=security", Shown::SecurityEvents)}
                        </nav>
                    })}
                    {match shown {
                        Shown::Changes => view! {
                            <h2>"Changes"</h2>
                            <p class="export"><a href="/audit-trail.csv" download>"Download the whole trail of changes (CSV)"</a></p>
                        }.into_any(),
                        Shown::SecurityEvents => view! { <h2>"Security events"</h2> }.into_any(),
                    }}
                    <form method="get" action="/audit" class="search" role="search">
                        {(shown == Shown::SecurityEvents && administrator)
                            .then(|| view! { <input type="hidden" name="show" value="security"/> })}
                        <KeepSorting query/>
                        <div class="field">
                            <label for="audit-q">"Search"</label>
                            <input id="audit-q" name="q" type="search" value=move || param("q").unwrap_or_default()
                                placeholder="What was done, or to whom"/>
                        </div>
                        <button type="submit">"Search"</button>
                    </form>
                    <Entries page which=shown query/>
                }
            })}
        </Suspense>
    }
}

#[component]
fn Entries(
    page: Result<Page<AuditEntry>, AppError>,
    which: Shown,
    query: Memo<ListQuery>,
) -> impl IntoView {
    let (caption, noun) = match which {
        Shown::Changes => ("Changes in your organisation", "changes"),
        Shown::SecurityEvents => (
            "Sign-ins, invitations, passwords and sessions of your organisation's people",
            "events",
        ),
    };
    match page {
        Err(error) => view! { <ListError error/> }.into_any(),
        Ok(page) if page.items.is_empty() => {
            view! { <p class="empty">"Nothing recorded matches."</p> }.into_any()
        }
        Ok(page) => {
            let shown = page.items.len();
            view! {
                <table>
                    <caption>{caption}</caption>
                    <thead><tr>
                        <SortHeader label="When" key="when" query default=Direction::Descending/>
                        <th scope="col">"Who"</th>
                        <SortHeader label="What" key="what" query/>
                        <th scope="col">"Subject"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Why"</th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|e| view! {
                            <tr>
                                <td>{e.at}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.subject}</td>
                                <td>{e.before.unwrap_or_default()}</td><td>{e.after.unwrap_or_default()}</td>
                                <td>{e.reason.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun query/>
            }
            .into_any()
        }
    }
}
