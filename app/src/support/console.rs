use super::{
    list_replication_issues, list_tickets, support_form_key, CorrectOsmEmail, OsmCorrectionReason,
    ReactivateLink, ReplicationIssue, ResendActivation, ResyncContact, TicketSummary,
};
use crate::error::AppError;
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError};
use leptos::prelude::*;
use leptos_meta::Title;

/// One labelled input of a console form; `form` makes its id unique.
#[component]
fn Input(
    error: Signal<Option<AppError>>,
    form: &'static str,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] kind: Option<&'static str>,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind.unwrap_or("text")/>
            <FieldError error field=name/>
        </div>
    }
}

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
                        <td>{t.status}</td><td>{t.opened_at}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The support console: tickets, the four ticket forms and replication issues.
#[component]
pub fn SupportConsolePage() -> impl IntoView {
    let resend = ServerAction::<ResendActivation>::new();
    let correct = ServerAction::<CorrectOsmEmail>::new();
    let reactivate = ServerAction::<ReactivateLink>::new();
    let resync = ServerAction::<ResyncContact>::new();
    let data = Resource::new(
        move || resync.version().get(),
        |_| async {
            (
                list_tickets().await,
                list_replication_issues().await,
                support_form_key().await,
            )
        },
    );
    view! {
        <Title text="Support console · Volume Licensing portal"/>
        <h1>"Support console"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    (Ok(tickets), Ok(issues), Ok(key)) => view! {
                        <section aria-labelledby="tickets-h">
                            <h2 id="tickets-h">"Tickets"</h2>
                            <TicketTable tickets/>
                        </section>
                        <ResendForm action=resend key=format!("{key}-resend")/>
                        <CorrectForm action=correct key=format!("{key}-correct")/>
                        <ReactivateForm action=reactivate key=format!("{key}-reactivate")/>
                        <RemapForm/>
                        <Replication issues action=resync/>
                    }.into_any(),
                    (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResendForm(action: ServerAction<ResendActivation>, key: String) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    view! {
        <section id="resend" aria-labelledby="resend-h">
            <h2 id="resend-h">"Resend the activation email"</h2>
            <ActionForm action attr:novalidate=true attr:class="stacked">
                <FormToken/>
                <input type="hidden" name="request_key" value=key/>
                <Input error form="resend" name="enrollment" label="Enrollment"/>
                <Input error form="resend" name="asked_by" label="Asked by"/>
                <FieldError error field="form"/>
                <FormError error=form_error/>
                <button type="submit" disabled=move || action.pending().get()>"Resend"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn CorrectForm(action: ServerAction<CorrectOsmEmail>, key: String) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    view! {
        <section id="correct-osm" aria-labelledby="correct-osm-h">
            <h2 id="correct-osm-h">"Correct the OSM's email address"</h2>
            <p class="hint">"Only within the same email domain; any other change of OSM takes a CICR through the partner."</p>
            <ActionForm action attr:novalidate=true attr:class="stacked">
                <FormToken/>
                <input type="hidden" name="request_key" value=key/>
                <Input error form="correct" name="enrollment" label="Enrollment"/>
                <Input error form="correct" name="new_email" label="New email" kind="email"/>
                <div class="field">
                    <label for="correct-reason">"Reason"</label>
                    <select id="correct-reason" name="reason">
                        <option value="">"Choose a reason"</option>
                        {OsmCorrectionReason::ALL.into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                    </select>
                    <FieldError error field="reason"/>
                </div>
                <div class="field checkbox">
                    <input id="correct-retrigger" type="checkbox" name="retrigger" value="true"/>
                    <label for="correct-retrigger">"Send the activation email again once changed"</label>
                </div>
                <Input error form="correct" name="asked_by" label="Asked by"/>
                <FieldError error field="form"/>
                <FormError error=form_error/>
                <button type="submit" disabled=move || action.pending().get()>"Correct the OSM"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ReactivateForm(action: ServerAction<ReactivateLink>, key: String) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    view! {
        <section id="reactivate" aria-labelledby="reactivate-h">
            <h2 id="reactivate-h">"Reactivate an expired activation link"</h2>
            <ActionForm action attr:novalidate=true attr:class="stacked">
                <FormToken/>
                <input type="hidden" name="request_key" value=key/>
                <Input error form="reactivate" name="enrollment" label="Enrollment"/>
                <Input error form="reactivate" name="asked_by" label="Asked by"/>
                <FieldError error field="form"/>
                <FormError error=form_error/>
                <button type="submit" disabled=move || action.pending().get()>"Reactivate"</button>
            </ActionForm>
        </section>
    }
}

/// Remapping starts with a review page that names both accounts (R10).
#[component]
fn RemapForm() -> impl IntoView {
    view! {
        <section id="remap" aria-labelledby="remap-h">
            <h2 id="remap-h">"Remap licenses to the correct account"</h2>
            <form method="get" action="/support/remap" class="stacked">
                <div class="field">
                    <label for="remap-enrollment">"Enrollment"</label>
                    <input id="remap-enrollment" name="enrollment"/>
                </div>
                <div class="field">
                    <label for="remap-domain">"Correct account's domain"</label>
                    <input id="remap-domain" name="domain"/>
                </div>
                <button type="submit">"Review the remap"</button>
            </form>
        </section>
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
