use super::{list_replication_issues, list_tickets, ReplicationIssue, ResyncContact, TicketKind};
use crate::lists::{Direction, KeepSorting, ListError, ListQuery, Page, Pager, SortHeader};
use crate::ui::{FormError, FormToken, PageHeader, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;

/// The tickets, with filters, sorting, the count and pages, all in the URL.
#[component]
pub fn TicketList() -> impl IntoView {
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let tickets = Resource::new(
        move || {
            (
                param("status"),
                param("kind"),
                param("sort"),
                param("dir"),
                param("after"),
                param("per"),
            )
        },
        |(status, kind, sort, dir, after, per)| list_tickets(status, kind, sort, dir, after, per),
    );
    let status_is = move |s: &'static str| move || param("status").unwrap_or_default() == s;
    let kind_is = move |k: &'static str| move || param("kind").unwrap_or_default() == k;
    view! {
        <form method="get" action=move || query.read().path().to_string() class="search" aria-label="Filter the tickets">
            <KeepSorting query/>
            <div class="field">
                <label for="ticket-status">"Status"</label>
                <select id="ticket-status" name="status">
                    <option value="" selected=status_is("")>"Any"</option>
                    <option value="open" selected=status_is("open")>"Open"</option>
                    <option value="done" selected=status_is("done")>"Done"</option>
                    <option value="refused" selected=status_is("refused")>"Refused"</option>
                </select>
            </div>
            <div class="field">
                <label for="ticket-kind">"Type"</label>
                <select id="ticket-kind" name="kind">
                    <option value="" selected=kind_is("")>"Any"</option>
                    {TicketKind::ALL.into_iter().map(|k| view! {
                        <option value=k.code() selected=kind_is(k.code())>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No tickets match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            <table>
                                <caption>"Tickets"</caption>
                                <thead><tr>
                                    <SortHeader label="Ticket" key="ticket" query/>
                                    <th scope="col">"Type"</th>
                                    <SortHeader label="Enrollment" key="enrollment" query/>
                                    <th scope="col">"Asked by"</th>
                                    <SortHeader label="Status" key="status" query/>
                                    <SortHeader label="Opened" key="opened" query default=Direction::Descending/>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|t| view! {
                                        <tr>
                                            <td><a href=format!("/support/tickets/{}", t.id)>{format!("#{}", t.id)}</a></td>
                                            <td>{t.kind_label}</td>
                                            <td><a href=format!("/enrollments/{}", t.enrollment_number)>{t.enrollment_number.clone()}</a></td>
                                            <td>{t.asked_by}</td>
                                            <td><StatusBadge state=t.status/></td><td>{t.opened_at}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="tickets" query/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The support console: the queue of tickets, the way to the replication
/// issues, and a search for the enrollment to act on (its page offers the
/// actions).
#[component]
pub fn SupportConsolePage() -> impl IntoView {
    view! {
        <Title text="Support console · Volume Licensing portal"/>
        <h1>"Support console"</h1>
        <form method="get" action="/enrollments" class="search" role="search">
            <div class="field">
                <label for="find-enrollment">"Find an enrollment"</label>
                <input id="find-enrollment" name="q" type="search"/>
                <p class="hint">"By enrollment number, customer name or a contact's email address, in every organisation. Its page offers the actions that apply to it."</p>
            </div>
            <button type="submit">"Find"</button>
        </form>
        <p><a href="/support/replication">"Replication issues: contacts whose copy in VLSC or explore.ms differs from eMSL"</a></p>
        <section aria-labelledby="tickets-h">
            <h2 id="tickets-h">"Tickets"</h2>
            <TicketList/>
        </section>
    }
}

/// The replication issues, filtered by system, sorted, counted and paged in
/// the URL, each with the re-sync that copies eMSL over the copy.
#[component]
pub fn ReplicationPage() -> impl IntoView {
    let resync = ServerAction::<ResyncContact>::new();
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let issues = Resource::new(
        move || {
            (
                resync.version().get(),
                (
                    param("system"),
                    param("sort"),
                    param("dir"),
                    param("after"),
                    param("per"),
                ),
            )
        },
        |(_, (system, sort, dir, after, per))| {
            list_replication_issues(system, sort, dir, after, per)
        },
    );
    let system_is = move |s: &'static str| move || param("system").unwrap_or_default() == s;
    let error = Signal::derive(move || resync.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Replication issues · Volume Licensing portal"/>
        <PageHeader title="Replication issues" crumbs=vec![("Support console".to_string(), "/support".to_string())]/>
        <p class="hint">"Contacts whose VLSC or explore.ms copy differs from eMSL for longer than the propagation delay."</p>
        <form method="get" action="/support/replication" class="search" aria-label="Filter the replication issues">
            <KeepSorting query/>
            <div class="field">
                <label for="issue-system">"System"</label>
                <select id="issue-system" name="system">
                    <option value="" selected=system_is("")>"Any"</option>
                    <option value="vlsc" selected=system_is("vlsc")>"VLSC"</option>
                    <option value="explore" selected=system_is("explore")>"explore.ms"</option>
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </form>
        <FormError error/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match issues.await {
                    Err(error) => view! { <ListError error/> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"None: every copy matches eMSL."</p> }.into_any(),
                    Ok(page) => view! { <Replication page action=resync query/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Replication(
    page: Page<ReplicationIssue>,
    action: ServerAction<ResyncContact>,
    query: Memo<ListQuery>,
) -> impl IntoView {
    let shown = page.items.len();
    view! {
        <table id="replication">
            <caption>"Copies that differ from eMSL"</caption>
            <thead><tr>
                <SortHeader label="Enrollment" key="enrollment" query default=Direction::Ascending/>
                <SortHeader label="Contact" key="contact" query/>
                <SortHeader label="System" key="system" query/>
                <th scope="col">"Shows"</th><th scope="col">"eMSL"</th><th scope="col">"Action"</th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|i| {
                    let label = format!("Re-sync {} of {} in {}", i.contact_label, i.enrollment_number, i.system_label);
                    view! {
                        <tr>
                            <td><a href=format!("/enrollments/{}", i.enrollment_number)>{i.enrollment_number.clone()}</a></td>
                            <td>{i.contact_label.clone()}</td><td>{i.system_label.clone()}</td>
                            <td>{i.shows.clone()}</td><td>{i.emsl.clone()}</td>
                            <td>
                                <ActionForm action attr:class="inline">
                                    <FormToken/>
                                    <input type="hidden" name="enrollment" value=i.enrollment_number/>
                                    <input type="hidden" name="contact" value=i.contact_type/>
                                    <input type="hidden" name="system" value=i.system/>
                                    <button type="submit" aria-label=label>"Re-sync"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="issues" query/>
    }
}

/// A customer's tickets and their status.
#[component]
pub fn TicketsPage() -> impl IntoView {
    view! {
        <Title text="Support tickets · Volume Licensing portal"/>
        <h1>"Support tickets"</h1>
        <TicketList/>
    }
}
