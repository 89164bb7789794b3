use super::{PlaceOrder, ORDER_FORM_LINES};
use crate::domain::Product;
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError};
use leptos::prelude::*;

/// A partner's order form for one enrollment: up to three product lines.
#[component]
pub fn PlaceOrderForm(
    action: ServerAction<PlaceOrder>,
    enrollment: String,
    products: Vec<Product>,
    form_key: String,
    today: String,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let done = move || action.value().get().and_then(|r| r.ok());
    let lines = (1..=ORDER_FORM_LINES).map(|n| {
        let product_field: &'static str = ["product_1", "product_2", "product_3"][n - 1];
        let quantity_field: &'static str = ["quantity_1", "quantity_2", "quantity_3"][n - 1];
        let products = products.clone();
        view! {
            <fieldset class="line">
                <legend>"Line " {n}</legend>
                <div class="field">
                    <label for=format!("order-{product_field}")>"Product"</label>
                    <select id=format!("order-{product_field}") name=product_field>
                        <option value="">"Choose a product"</option>
                        {products.into_iter().map(|p| view! {
                            <option value=p.code>{format!("{} ({})", p.name, p.kind.label())}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field=product_field/>
                </div>
                <div class="field">
                    <label for=format!("order-{quantity_field}")>"Quantity"</label>
                    <input id=format!("order-{quantity_field}") name=quantity_field inputmode="numeric"/>
                    <FieldError error field=quantity_field/>
                </div>
            </fieldset>
        }
    }).collect_view();
    view! {
        <h3>"Place an order"</h3>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <input type="hidden" name="enrollment" value=enrollment/>
            <input type="hidden" name="request_key" value=form_key/>
            {lines}
            <div class="field">
                <label for="order-purchase-date">"Purchase date"</label>
                <input id="order-purchase-date" name="purchase_date" type="date" value=today.clone()/>
                <FieldError error field="purchase_date"/>
            </div>
            <div class="field">
                <label for="order-usage-start">"Usage start date"</label>
                <input id="order-usage-start" name="usage_start_date" type="date" value=today/>
                <FieldError error field="usage_start_date"/>
            </div>
            <FieldError error field="form"/>
            <FormError error=form_error/>
            <button type="submit" disabled=move || action.pending().get()>"Place order"</button>
            {move || done().map(|n| view! { <p class="success" role="status">"Order placed: " {n}</p> })}
        </ActionForm>
    }
}
