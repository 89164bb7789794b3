use super::{get_contact_change, ChangeTracker, ContactDetails, DecideContactChange, HopState};
use crate::error::AppError;
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError, NotVisible, PageHeader, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn details(c: &ContactDetails) -> String {
    format!("{}, {}, {}", c.name, c.email, c.phone)
}

/// One change's tracker: each hop, the state in each system, who did what and
/// when each system is expected to show it. Another organisation's change
/// answers "not found".
#[component]
pub fn ChangePage() -> impl IntoView {
    let params = use_params_map();
    let reference = move || params.read().get("reference").unwrap_or_default();
    let decide = ServerAction::<DecideContactChange>::new();
    let tracker = Resource::new(
        move || (reference(), decide.version().get()),
        |(r, _)| get_contact_change(r),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tracker.await {
                    Ok(t) => view! { <Tracker t decide/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotVisible title="Change not found" text="There is no change request with this reference among those you can see." back="/changes" back_label="Back to contact changes"/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Tracker(t: ChangeTracker, decide: ServerAction<DecideContactChange>) -> impl IntoView {
    let reference = t.reference.clone();
    view! {
        <Title text=format!("{} · Volume Licensing portal", t.reference)/>
        <PageHeader title=format!("Change {}", t.reference) crumbs=vec![("Contact changes".to_string(), "/changes".to_string())]/>
        <p class="status" data-testid="change-status" data-complete=t.complete.to_string()><StatusBadge state=t.status_label.clone()/></p>
        <dl class="facts">
            <dt>"Enrollment"</dt><dd><a href=format!("/enrollments/{}", t.enrollment_number)>{t.enrollment_number.clone()}</a></dd>
            <dt>"Contact"</dt><dd>{t.contact_label.clone()}</dd>
            <dt>"Route"</dt><dd>{t.route_label.clone()}</dd>
            <dt>"Before"</dt><dd>{t.previous.as_ref().map(details).unwrap_or_else(|| "No contact was recorded.".into())}</dd>
            <dt>"Requested"</dt><dd>{details(&t.requested)}</dd>
            <dt>"Reason"</dt><dd>{t.reason.clone()}</dd>
            {t.billing.clone().map(|b| view! {
                <dt>"Billing address"</dt><dd>{format!("{}, {} {}, {}", b.address, b.postal_code, b.city, b.country)}</dd>
                <dt>"Purchase order"</dt><dd>{if b.purchase_order.is_empty() { "None".to_string() } else { b.purchase_order }}</dd>
            })}
        </dl>
        <table class="tracker">
            <caption>"Where the change stands in each system"</caption>
            <thead><tr><th scope="col">"Hop"</th><th scope="col">"State"</th><th scope="col">"What happened"</th><th scope="col">"Shows now"</th></tr></thead>
            <tbody>
                {t.hops.into_iter().map(|h| {
                    let state_class = match h.state { HopState::Done => "done", HopState::Waiting => "waiting", HopState::Stopped => "stopped" };
                    view! {
                        <tr data-testid="hop">
                            <th scope="row">{h.system}</th>
                            <td class=state_class>{h.state.label()}</td>
                            <td>{h.detail}</td>
                            <td>{h.shows.as_ref().map(details).unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {t.resend.map(|r| view! { <p class="notice" data-testid="resend">{r}</p> })}
        {t.may_decide.then(|| view! { <DecisionForm decide reference=reference.clone()/> })}
        <p><a href="/changes">"All contact changes"</a></p>
    }
}

/// The operations center's decision on a manual CICR.
#[component]
fn DecisionForm(decide: ServerAction<DecideContactChange>, reference: String) -> impl IntoView {
    let (error, form_error) = action_errors(decide);
    view! {
        <h2>"Decide this request"</h2>
        <ActionForm action=decide attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <input type="hidden" name="reference" value=reference/>
            <div class="field">
                <label for="decision-comment">"Comment"</label>
                <textarea id="decision-comment" name="comment" rows="2"></textarea>
                <FieldError error field="comment"/>
            </div>
            <fieldset>
                <legend>"Decision"</legend>
                <div class="field checkbox">
                    <input id="decision-approve" type="radio" name="decision" value="approve"/>
                    <label for="decision-approve">"Approve and apply to eMSL"</label>
                </div>
                <div class="field checkbox">
                    <input id="decision-reject" type="radio" name="decision" value="reject"/>
                    <label for="decision-reject">"Reject"</label>
                </div>
                <FieldError error field="decision"/>
            </fieldset>
            <FormError error=form_error/>
            <button type="submit" disabled=move || decide.pending().get()>"Record decision"</button>
        </ActionForm>
    }
}
