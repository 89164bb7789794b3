//! The VLSC administrator's forms on the People page.

use super::{AddPerson, ChangeReservationPermission, DeactivatePerson, Person};
use crate::domain::Role;
use crate::shell::FormToken;
use crate::shell::{action_errors, FieldError, FormError};
use leptos::prelude::*;

/// Adds a portal user: a VLSC administrator, an OLA or an OSM.
#[component]
pub fn AddPersonForm(action: ServerAction<AddPerson>) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    view! {
        <h2>"Add a person"</h2>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <div class="field">
                <label for="person-name">"Name"</label>
                <input id="person-name" name="display_name"/>
                <FieldError error field="display_name"/>
            </div>
            <div class="field">
                <label for="person-email">"Email"</label>
                <input id="person-email" name="email" type="email"/>
                <FieldError error field="email"/>
            </div>
            <div class="field">
                <label for="person-role">"Role"</label>
                <select id="person-role" name="role">
                    <option value="">"Choose a role"</option>
                    {[Role::OnlineAdministrator, Role::OnlineServicesManager, Role::VlscAdministrator]
                        .into_iter()
                        .map(|r| view! { <option value=r.code()>{r.label()}</option> })
                        .collect_view()}
                </select>
                <FieldError error field="role"/>
            </div>
            <div class="field">
                <label for="person-password">"First password"</label>
                <input id="person-password" name="password" type="password" autocomplete="new-password"/>
                <p class="hint">"At least 12 characters; tell it to the person yourself."</p>
                <FieldError error field="password"/>
            </div>
            <FormError error=form_error/>
            <button type="submit" disabled=move || action.pending().get()>"Add person"</button>
        </ActionForm>
    }
}

/// One person's row: their status, their reservation permissions and what the
/// administrator may do about them.
#[component]
pub fn PersonRow(
    person: Person,
    deactivate: ServerAction<DeactivatePerson>,
    permission: ServerAction<ChangeReservationPermission>,
    enrollments: Vec<String>,
) -> impl IntoView {
    let is_osm = person.role == Role::OnlineServicesManager && person.active;
    let remove_label = if person.role == Role::OnlineAdministrator {
        "Remove OLA"
    } else {
        "Deactivate"
    };
    let revoke_forms = person
        .reservation_enrollments
        .clone()
        .into_iter()
        .map(|n| {
            let email = person.email.clone();
            let label = format!("Revoke the reservation permission of {email} on {n}");
            let shown = n.clone();
            view! {
                <ActionForm action=permission attr:class="inline">
                    <FormToken/>
                    <input type="hidden" name="email" value=email/>
                    <input type="hidden" name="enrollment" value=n/>
                    <input type="hidden" name="grant" value="false"/>
                    {shown} " "
                    <button type="submit" class="secondary" aria-label=label>"Revoke"</button>
                </ActionForm>
            }
        })
        .collect_view();
    let email = person.email.clone();
    let grant_form = is_osm.then(|| {
        let id = format!("grant-{email}");
        view! {
            <ActionForm action=permission attr:class="inline">
                <FormToken/>
                <input type="hidden" name="email" value=email/>
                <input type="hidden" name="grant" value="true"/>
                <label for=id.clone()>"Grant on"</label>
                <select id=id name="enrollment">
                    {enrollments
                        .into_iter()
                        .filter(|n| !person.reservation_enrollments.contains(n))
                        .map(|n| { let shown = n.clone(); view! { <option value=n>{shown}</option> } })
                        .collect_view()}
                </select>
                <button type="submit">"Grant"</button>
            </ActionForm>
        }
    });
    let email = person.email.clone();
    let deactivate_form = (person.active && !person.is_you).then(|| {
        let label = format!("{remove_label} {email}");
        view! {
            <ActionForm action=deactivate attr:class="inline">
                <FormToken/>
                <input type="hidden" name="email" value=email/>
                <button type="submit" class="secondary" aria-label=label>{remove_label}</button>
            </ActionForm>
        }
    });
    view! {
        <tr>
            <td>{person.display_name.clone()}</td>
            <td>{person.email.clone()}</td>
            <td>{person.role.label()}</td>
            <td>{if person.active { "Active" } else { "Deactivated" }}</td>
            <td>{revoke_forms}{grant_form}</td>
            <td>{deactivate_form}</td>
        </tr>
    }
}
