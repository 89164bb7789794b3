use super::{get_ticket, SendForTicket, TicketDetail};
use crate::contacts::HopState;
use crate::error::AppError;
use crate::ui::FormToken;
use crate::ui::{FormError, NotVisible, PageHeader, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// One ticket: its type, enrollment, who asked, status, the actions taken and
/// the audit entries they made.
#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let send = ServerAction::<SendForTicket>::new();
    let ticket = Resource::new(
        move || (id(), send.version().get()),
        |(id, _)| get_ticket(id.to_string()),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match ticket.await {
                    Ok(t) => view! { <Ticket t send/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotVisible title="Ticket not found" text="There is no ticket with this number among those you can see." back="/" back_label="Go to the home page"/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Ticket(t: TicketDetail, send: ServerAction<SendForTicket>) -> impl IntoView {
    let s = t.summary.clone();
    let error = Signal::derive(move || send.value().get().and_then(|r| r.err()));
    view! {
        <Title text=format!("Ticket #{} · Volume Licensing portal", s.id)/>
        <PageHeader title=format!("Ticket #{}", s.id) subtitle=s.kind_label.clone() crumbs=vec![("Tickets".to_string(), "/tickets".to_string())]/>
        <dl class="facts">
            <dt>"Enrollment"</dt><dd><a href=format!("/enrollments/{}", s.enrollment_number)>{s.enrollment_number.clone()}</a></dd>
            <dt>"Asked by"</dt><dd>{s.asked_by.clone()}</dd>
            <dt>"Opened"</dt><dd>{s.opened_at.clone()}</dd>
            <dt>"Status"</dt><dd data-testid="ticket-status"><StatusBadge state=s.status.clone()/></dd>
            <dt>"Outcome"</dt><dd data-testid="ticket-outcome">{s.outcome.clone()}</dd>
            {s.from_change.clone().map(|r| view! {
                <dt>"Opened by"</dt><dd><a href=format!("/changes/{r}")>{r.clone()}</a></dd>
            })}
        </dl>
        {t.may_send_now.then(|| view! {
            <FormError error/>
            <ActionForm action=send>
                <FormToken/>
                <input type="hidden" name="ticket" value=s.id.to_string()/>
                <button type="submit" disabled=move || send.pending().get()>"Send the activation email now"</button>
            </ActionForm>
        })}
        <h2>"Actions taken"</h2>
        {if t.actions.is_empty() {
            view! { <p>"None yet."</p> }.into_any()
        } else {
            view! {
                <ol class="actions">
                    {t.actions.into_iter().map(|a| view! { <li>{a.at} " · " {a.actor} ": " <strong>{a.action}</strong> ". " {a.detail}</li> }).collect_view()}
                </ol>
            }.into_any()
        }}
        {(!t.hops.is_empty()).then(|| view! {
            <h2>"Where the change stands"</h2>
            <table class="tracker">
                <thead><tr><th scope="col">"System"</th><th scope="col">"State"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>
                    {t.hops.into_iter().map(|h| view! {
                        <tr data-testid="hop">
                            <th scope="row">{h.system}</th>
                            <td class=if h.state == HopState::Done { "done" } else { "waiting" }>{h.state.label()}</td>
                            <td>{h.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h2>"Audit trail of this ticket"</h2>
        {if t.audit.is_empty() {
            view! { <p>"Nothing changed."</p> }.into_any()
        } else {
            view! {
                <table>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody>
                        {t.audit.into_iter().map(|e| view! {
                            <tr><td>{e.at}</td><td>{e.action}</td><td>{e.before.unwrap_or_default()}</td><td>{e.after.unwrap_or_default()}</td><td>{e.reason.unwrap_or_default()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
