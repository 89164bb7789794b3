use leptos::prelude::*;
use leptos_meta::Title;

/// The page for an address the portal does not have. Answers with status 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Volume Licensing portal"/>
        <main id="main" class="error-page">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address, or you may not see it."</p>
            <p><a href="/">"Go to the home page"</a></p>
        </main>
    }
}
