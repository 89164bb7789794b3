//! The portal's island: what every server-rendered form gains in a browser.
//!
//! Pages render on the server only and every form posts as plain HTML, so each
//! one works without JavaScript. In a browser this island, around the whole
//! page, adds what needs one:
//! - **pending state**: a submitted form is marked busy and a second submission
//!   (a double click, Enter twice) is dropped until the next page arrives;
//! - **inline validation**: a field marked `required` that is empty gets its
//!   message (`data-required`, the server's own wording) next to it before
//!   anything is sent.
//!
//! A refused form comes back with what was typed from the server itself (the
//! edge keeps it for the page it sends back), so that needs no script.
//!
//! Nothing here decides anything: the server checks every field again.

use leptos::prelude::*;

/// Wraps the page; its children are rendered on the server and not hydrated.
#[island]
pub fn FormBehaviour(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::install();
    children()
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::ev;
    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{
        Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlSelectElement,
        HtmlTextAreaElement,
    };

    const PENDING: &str = "data-pending";
    const INLINE: &str = "data-inline";
    const GENERIC_REQUIRED: &str = "Fill in this field.";

    pub fn install() {
        if let Some(body) = document().body() {
            // The browser tests wait for this before they interact.
            let _ = body.set_attribute("data-hydrated", "true");
        }
        window_event_listener(ev::submit, |event| {
            let Some(form) = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
            else {
                return;
            };
            if form.has_attribute(PENDING) {
                event.prevent_default();
                return;
            }
            if !validate(&form) {
                event.prevent_default();
                return;
            }
            let _ = form.set_attribute(PENDING, "");
            let _ = form.set_attribute("aria-busy", "true");
        });
        window_event_listener(ev::input, |event| {
            if let Some(field) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                clear_inline_error(&field);
            }
        });
        // A page restored from the back-forward cache must not stay busy.
        window_event_listener(ev::pageshow, |_| {
            if let Ok(forms) = document().query_selector_all("form[data-pending]") {
                for i in 0..forms.length() {
                    if let Some(form) = forms.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                        let _ = form.remove_attribute(PENDING);
                        let _ = form.remove_attribute("aria-busy");
                    }
                }
            }
        });
    }

    /// The value of a form control, if it is one whose value a person types or picks.
    fn value_of(element: &Element) -> Option<String> {
        if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
            return Some(input.value());
        }
        if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
            return Some(select.value());
        }
        element
            .dyn_ref::<HtmlTextAreaElement>()
            .map(HtmlTextAreaElement::value)
    }

    fn controls(form: &HtmlFormElement) -> Vec<Element> {
        let all = form.elements();
        (0..all.length()).filter_map(|i| all.item(i)).collect()
    }

    /// Shows the message of every required field left empty; true when none is.
    fn validate(form: &HtmlFormElement) -> bool {
        let mut first_invalid: Option<Element> = None;
        for field in controls(form) {
            if !field.has_attribute("required") {
                continue;
            }
            let empty = value_of(&field).is_some_and(|v| v.trim().is_empty());
            if !empty {
                continue;
            }
            let message = field
                .get_attribute("data-required")
                .unwrap_or_else(|| GENERIC_REQUIRED.to_string());
            show_inline_error(&field, &message);
            first_invalid.get_or_insert(field);
        }
        match first_invalid {
            Some(field) => {
                if let Some(field) = field.dyn_ref::<HtmlElement>() {
                    let _ = field.focus();
                }
                false
            }
            None => true,
        }
    }

    fn error_id(field: &Element) -> Option<String> {
        field
            .get_attribute("name")
            .filter(|n| !n.is_empty())
            .map(|n| format!("{n}-error"))
    }

    fn show_inline_error(field: &Element, message: &str) {
        let Some(id) = error_id(field) else { return };
        let _ = field.set_attribute("aria-invalid", "true");
        let document = document();
        let note = match document.get_element_by_id(&id) {
            Some(existing) => existing,
            None => {
                let Ok(note) = document.create_element("p") else {
                    return;
                };
                let _ = note.set_attribute("id", &id);
                let _ = note.set_attribute("class", "field-error");
                let _ = note.set_attribute("role", "alert");
                let _ = note.set_attribute(INLINE, "");
                let _ = field.insert_adjacent_element("afterend", &note);
                note
            }
        };
        note.set_text_content(Some(message));
    }

    fn clear_inline_error(field: &Element) {
        let Some(id) = error_id(field) else { return };
        if let Some(note) = document().get_element_by_id(&id) {
            if note.has_attribute(INLINE) {
                note.remove();
                let _ = field.remove_attribute("aria-invalid");
            }
        }
    }
}
