//! Support from the enrollment: on an enrollment's page a support agent finds
//! the actions that apply to it now, each saying what it will do, or disabled
//! with the reason it does not apply. Each opens a ticket in the name of the
//! person who asked and goes to that ticket, like the console's forms did.

use super::{CorrectOsmEmail, OsmCorrectionReason, ReactivateLink, ResendActivation};
use crate::auth::CurrentUserResource;
use crate::domain::Role;
use crate::error::AppError;
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether an action applies now: what it will do, or why it does not.
pub type Applies = Result<String, String>;

/// Support's actions on one enrollment, as they stand now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentSupport {
    pub number: String,
    /// A fresh key for the forms, so a double submission opens one ticket.
    pub form_key: String,
    pub resend: Applies,
    pub correct_osm: Applies,
    pub reactivate: Applies,
    pub remap: Applies,
}

/// Support's actions on enrollment `number`. Support only.
#[server(endpoint = "support/enrollment")]
pub async fn support_for_enrollment(number: String) -> Result<EnrollmentSupport, AppError> {
    crate::access::serve(crate::access::Task::Support, |state, user| async move {
        super::actions::on_enrollment(&state, &user, &number).await
    })
    .await
}

/// The support section of an enrollment's page; nothing for anyone else.
#[component]
pub fn SupportForEnrollment(number: String) -> impl IntoView {
    let resend = ServerAction::<ResendActivation>::new();
    let correct = ServerAction::<CorrectOsmEmail>::new();
    let reactivate = ServerAction::<ReactivateLink>::new();
    let CurrentUserResource(user) = expect_context();
    // Asked of the server only for a support agent: no one else has the section.
    let support = Resource::new(
        move || number.clone(),
        move |number| async move {
            match user.await {
                Ok(Some(u)) if u.role == Role::SupportAgent => {
                    support_for_enrollment(number).await.ok()
                }
                _ => None,
            }
        },
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                support.await.map(|s| view! { <Actions s resend correct reactivate/> })
            })}
        </Suspense>
    }
}

#[component]
fn Actions(
    s: EnrollmentSupport,
    resend: ServerAction<ResendActivation>,
    correct: ServerAction<CorrectOsmEmail>,
    reactivate: ServerAction<ReactivateLink>,
) -> impl IntoView {
    let key = s.form_key.clone();
    view! {
        <section id="support" aria-labelledby="support-h" class="panel">
            <h2 id="support-h">"Support"</h2>
            <p class="hint">"Each action opens a ticket in the name of the person who asked, and is done at once."</p>
            <ResendAction applies=s.resend number=s.number.clone() key=format!("{key}-resend") action=resend/>
            <CorrectAction applies=s.correct_osm number=s.number.clone() key=format!("{key}-correct") action=correct/>
            <ReactivateAction applies=s.reactivate number=s.number.clone() key=format!("{key}-reactivate") action=reactivate/>
            <RemapAction applies=s.remap number=s.number/>
        </section>
    }
}

/// The sentence under an action's title: what it does, or why it cannot.
#[component]
fn Applicability(id: &'static str, applies: Applies) -> impl IntoView {
    match applies {
        Ok(does) => view! { <p class="does" id=format!("{id}-what")>{does}</p> }.into_any(),
        Err(why) => view! {
            <p class="does-not-apply" id=format!("{id}-what")>
                <span class="badge badge-neutral">"Not available"</span> " " {why}
            </p>
        }
        .into_any(),
    }
}

/// The "Asked by" field every action has.
#[component]
fn AskedBy(id: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    let input = format!("{id}-asked_by");
    view! {
        <div class="field">
            <label for=input.clone()>"Asked by"</label>
            <input id=input name="asked_by" autocomplete="off"/>
            <FieldError error field="asked_by"/>
        </div>
    }
}

#[component]
fn ResendAction(
    applies: Applies,
    number: String,
    key: String,
    action: ServerAction<ResendActivation>,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let off = applies.is_err();
    view! {
        <ActionForm action attr:novalidate=true attr:class="stacked" attr:id="resend">
            <FormToken/>
            <input type="hidden" name="enrollment" value=number/>
            <input type="hidden" name="request_key" value=key/>
            <fieldset disabled=off>
                <legend>"Resend the activation email"</legend>
                <Applicability id="resend" applies/>
                <AskedBy id="resend" error/>
                <FieldError error field="enrollment"/>
                <FormError error=form_error/>
                <button type="submit" aria-describedby="resend-what">"Resend"</button>
            </fieldset>
        </ActionForm>
    }
}

#[component]
fn CorrectAction(
    applies: Applies,
    number: String,
    key: String,
    action: ServerAction<CorrectOsmEmail>,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let off = applies.is_err();
    view! {
        <ActionForm action attr:novalidate=true attr:class="stacked" attr:id="correct-osm">
            <FormToken/>
            <input type="hidden" name="enrollment" value=number/>
            <input type="hidden" name="request_key" value=key/>
            <fieldset disabled=off>
                <legend>"Correct the OSM's email address"</legend>
                <Applicability id="correct-osm" applies/>
                <div class="field">
                    <label for="correct-osm-new_email">"New email"</label>
                    <input id="correct-osm-new_email" name="new_email" type="email" autocomplete="off"/>
                    <p class="hint">"Only within the same email domain; any other change of OSM takes a CICR through the partner."</p>
                    <FieldError error field="new_email"/>
                </div>
                <div class="field">
                    <label for="correct-osm-reason">"Reason"</label>
                    <select id="correct-osm-reason" name="reason">
                        <option value="">"Choose a reason"</option>
                        {OsmCorrectionReason::ALL.into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                    </select>
                    <FieldError error field="reason"/>
                </div>
                <div class="field checkbox">
                    <input id="correct-osm-retrigger" type="checkbox" name="retrigger" value="true"/>
                    <label for="correct-osm-retrigger">"Send the activation email again once changed"</label>
                </div>
                <AskedBy id="correct-osm" error/>
                <FormError error=form_error/>
                <button type="submit" aria-describedby="correct-osm-what">"Correct the OSM"</button>
            </fieldset>
        </ActionForm>
    }
}

#[component]
fn ReactivateAction(
    applies: Applies,
    number: String,
    key: String,
    action: ServerAction<ReactivateLink>,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let off = applies.is_err();
    view! {
        <ActionForm action attr:novalidate=true attr:class="stacked" attr:id="reactivate">
            <FormToken/>
            <input type="hidden" name="enrollment" value=number/>
            <input type="hidden" name="request_key" value=key/>
            <fieldset disabled=off>
                <legend>"Reactivate the expired activation link"</legend>
                <Applicability id="reactivate" applies/>
                <AskedBy id="reactivate" error/>
                <FormError error=form_error/>
                <button type="submit" aria-describedby="reactivate-what">"Reactivate"</button>
            </fieldset>
        </ActionForm>
    }
}

/// Remapping starts with a review page that names both accounts (R10).
#[component]
fn RemapAction(applies: Applies, number: String) -> impl IntoView {
    let off = applies.is_err();
    view! {
        <form method="get" action="/support/remap" class="stacked" id="remap">
            <input type="hidden" name="enrollment" value=number/>
            <fieldset disabled=off>
                <legend>"Remap the licenses to another account"</legend>
                <Applicability id="remap" applies/>
                <div class="field">
                    <label for="remap-domain">"Correct account's domain"</label>
                    <input id="remap-domain" name="domain" autocomplete="off"/>
                </div>
                <button type="submit" aria-describedby="remap-what">"Review the remap"</button>
            </fieldset>
        </form>
    }
}
