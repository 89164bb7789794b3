use super::Reserve;
use crate::domain::Product;
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError};
use leptos::prelude::*;

/// The Online Reservation form of one enrollment (R3). Offers online services
/// only; the server checks the role and every field again.
#[component]
pub fn ReserveForm(
    action: ServerAction<Reserve>,
    enrollment: String,
    products: Vec<Product>,
    form_key: String,
    today: String,
    latest: String,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let done = move || action.value().get().and_then(|r| r.ok());
    view! {
        <h3>"Reserve an online service"</h3>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <input type="hidden" name="enrollment" value=enrollment/>
            <input type="hidden" name="request_key" value=form_key/>
            <div class="field">
                <label for="reserve-product">"Product"</label>
                <select id="reserve-product" name="product" required data-required="Choose a product.">
                    <option value="">"Choose a product"</option>
                    {products.into_iter().filter(|p| p.kind.is_online()).map(|p| view! {
                        <option value=p.code>{p.name}</option>
                    }).collect_view()}
                </select>
                <FieldError error field="product"/>
            </div>
            <div class="field">
                <label for="reserve-quantity">"Quantity"</label>
                <input id="reserve-quantity" name="quantity" inputmode="numeric" required data-required="Enter a quantity."/>
                <FieldError error field="quantity"/>
            </div>
            <div class="field">
                <label for="reserve-start">"Usage start date"</label>
                <input id="reserve-start" name="usage_start_date" type="date" min=today.clone() max=latest.clone() value=today/>
                <p class="hint">"From today to " {latest} "."</p>
                <FieldError error field="usage_start_date"/>
            </div>
            <FieldError error field="form"/>
            <FormError error=form_error/>
            <button type="submit" disabled=move || action.pending().get()>"Reserve"</button>
            {move || done().map(|n| view! { <p class="success" role="status">"Reserved: " {n}</p> })}
        </ActionForm>
    }
}
