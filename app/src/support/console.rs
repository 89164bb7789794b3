use super::{
    list_replication_issues, list_tickets, ReplicationIssue, ResyncContact, TicketSummary,
};
use crate::ui::{FormError, FormToken, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;

/// Tickets in a table, each linked to its page.
#[component]
pub fn TicketTable(tickets: Vec<TicketSummary>) -> impl IntoView {
    if tickets.is_empty() {
        return view! { <p>"No tickets."</p> }.into_any();
    }
    view! {
        <table>
            <caption>"Tickets, open ones first"</caption>
            <thead><tr>
                <th scope="col">"Ticket"</th><th scope="col">"Type"</th><th scope="col">"Enrollment"</th>
                <th scope="col">"Asked by"</th><th scope="col">"Status"</th><th scope="col">"Opened"</th>
            </tr></thead>
            <tbody>
                {tickets.into_iter().map(|t| view! {
                    <tr>
                        <td><a href=format!("/support/tickets/{}", t.id)>{format!("#{}", t.id)}</a></td>
                        <td>{t.kind_label}</td><td>{t.enrollment_number}</td><td>{t.asked_by}</td>
                        <td><StatusBadge state=t.status/></td><td>{t.opened_at}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The support console: the queue of tickets and replication issues, and a
/// search for the enrollment to act on (its page offers the actions).
#[component]
pub fn SupportConsolePage() -> impl IntoView {
    let resync = ServerAction::<ResyncContact>::new();
    let data = Resource::new(
        move || resync.version().get(),
        |_| async { (list_tickets().await, list_replication_issues().await) },
    );
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
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    (Ok(tickets), Ok(issues)) => view! {
                        <section aria-labelledby="tickets-h">
                            <h2 id="tickets-h">"Tickets"</h2>
                            <TicketTable tickets/>
                        </section>
                        <Replication issues action=resync/>
                    }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Replication(
    issues: Vec<ReplicationIssue>,
    action: ServerAction<ResyncContact>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <section id="replication" aria-labelledby="replication-h">
            <h2 id="replication-h">"Replication issues"</h2>
            <p class="hint">"Contacts whose VLSC or explore.ms copy differs from eMSL for longer than the propagation delay."</p>
            <FormError error/>
            {if issues.is_empty() {
                view! { <p>"None: every copy matches eMSL."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"Enrollment"</th><th scope="col">"Contact"</th><th scope="col">"System"</th>
                            <th scope="col">"Shows"</th><th scope="col">"eMSL"</th><th scope="col">"Action"</th>
                        </tr></thead>
                        <tbody>
                            {issues.into_iter().map(|i| {
                                let label = format!("Re-sync {} of {} in {}", i.contact_label, i.enrollment_number, i.system_label);
                                view! {
                                    <tr>
                                        <td>{i.enrollment_number.clone()}</td><td>{i.contact_label.clone()}</td><td>{i.system_label.clone()}</td>
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
                }.into_any()
            }}
        </section>
    }
}

/// A customer's tickets and their status.
#[component]
pub fn TicketsPage() -> impl IntoView {
    let tickets = Resource::new(|| (), |_| list_tickets());
    view! {
        <Title text="Support tickets · Volume Licensing portal"/>
        <h1>"Support tickets"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tickets.await {
                    Ok(tickets) => view! { <TicketTable tickets/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
