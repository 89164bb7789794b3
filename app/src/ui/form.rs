use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The last error of a form's action, and that error when it is about the whole
/// form rather than one field.
pub fn action_errors<S>(
    action: ServerAction<S>,
) -> (Signal<Option<AppError>>, Signal<Option<AppError>>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let form_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    (error, form_error)
}

/// The message for one field, shown next to it, when the last submission was
/// refused because of that field.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.for_field(field)).map(|message| {
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message}</p> }
        })
    }
}

/// A message about the whole form.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    }
}
