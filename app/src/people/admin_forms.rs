//! The VLSC administrator's forms on each row of the People page.

use super::{ChangeReservationPermission, DeactivatePerson, Person};
use crate::accounts::ResetTwoStep;
use crate::domain::Role;
use crate::ui::FormToken;
use leptos::prelude::*;

/// One person's row: their status, their reservation permissions and what the
/// administrator may do about them.
#[component]
pub fn PersonRow(
    person: Person,
    deactivate: ServerAction<DeactivatePerson>,
    permission: ServerAction<ChangeReservationPermission>,
    reset: ServerAction<ResetTwoStep>,
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
    let email = person.email.clone();
    let reset_form = (person.two_step && !person.is_you).then(|| {
        let label = format!("Reset the two-step sign-in of {email}");
        view! {
            <ActionForm action=reset attr:class="inline">
                <FormToken/>
                <input type="hidden" name="email" value=email/>
                <button type="submit" class="secondary" aria-label=label>"Reset two-step sign-in"</button>
            </ActionForm>
        }
    });
    view! {
        <tr>
            <td>{person.display_name.clone()}</td>
            <td>{person.email.clone()}</td>
            <td>{person.role.label()}</td>
            <td>{if person.active { "Active" } else { "Deactivated" }}</td>
            <td>{if person.two_step { "On" } else { "Off" }}</td>
            <td>{revoke_forms}{grant_form}</td>
            <td>{deactivate_form}{reset_form}</td>
        </tr>
    }
}
