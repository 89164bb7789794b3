use leptos::prelude::*;
use leptos_meta::Title;

/// In place of a record the viewer may not see, or that does not exist (the
/// two are told apart to nobody). Answers with status 404.
#[component]
pub fn NotVisible(
    title: &'static str,
    text: &'static str,
    back: &'static str,
    back_label: &'static str,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=format!("{title} · Volume Licensing portal")/>
        <h1>{title}</h1>
        <p>{text}</p>
        <p><a href=back>{back_label}</a></p>
    }
}
