use super::RequestContactChange;
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError};
use leptos::prelude::*;

/// One labelled text input with its error.
#[component]
fn TextField(
    error: Signal<Option<crate::error::AppError>>,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let id = format!("change-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind.unwrap_or("text")/>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <FieldError error field=name/>
        </div>
    }
}

/// The Contract Information Change Request form (R7), for the enrollment's
/// partner. The server routes the request by the contact chosen.
#[component]
pub fn ContactChangeForm(
    action: ServerAction<RequestContactChange>,
    enrollment: String,
    versions: String,
    form_key: String,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    view! {
        <h3>"Request a contact change (CICR)"</h3>
        <p class="hint">"PRI, NTC and OSM changes apply at once; bill-to changes go to the operations center for approval. Every system shows a change within about 24 hours."</p>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <input type="hidden" name="enrollment" value=enrollment/>
            <input type="hidden" name="versions" value=versions/>
            <input type="hidden" name="request_key" value=form_key/>
            <div class="field">
                <label for="change-contact">"Contact"</label>
                <select id="change-contact" name="contact">
                    <option value="">"Choose the contact to change"</option>
                    <option value="pri">"Primary contact (PRI)"</option>
                    <option value="ntc">"Notices contact (NTC)"</option>
                    <option value="osm">"Online services manager (OSM)"</option>
                    <option value="bill_to">"Bill-to contact"</option>
                    <option value="ola">"Online administrator (OLA)"</option>
                </select>
                <FieldError error field="contact"/>
            </div>
            <TextField error name="name" label="New name"/>
            <TextField error name="email" label="New email" kind="email"/>
            <TextField error name="phone" label="New phone" kind="tel" hint="For example +1 425 555 0100."/>
            <div class="field">
                <label for="change-reason">"Reason for the change"</label>
                <textarea id="change-reason" name="reason" rows="2"></textarea>
                <FieldError error field="reason"/>
            </div>
            <fieldset>
                <legend>"Bill-to contact only: the Contract Information Change Request form"</legend>
                <TextField error name="billing_address" label="Billing address"/>
                <TextField error name="billing_city" label="Billing city"/>
                <TextField error name="billing_postal_code" label="Billing postal code"/>
                <TextField error name="billing_country" label="Billing country"/>
                <TextField error name="purchase_order" label="Purchase order reference (optional)"/>
            </fieldset>
            <div class="field checkbox">
                <input id="change-resend" type="checkbox" name="resend_activation" value="true"/>
                <label for="change-resend">"Send the activation email again after the change (opens a support ticket)"</label>
            </div>
            <FieldError error field="form"/>
            <FormError error=form_error/>
            <button type="submit" disabled=move || action.pending().get()>"Submit change request"</button>
        </ActionForm>
    }
}
