//! The top of a page: where it sits (breadcrumbs), its title and a line
//! under it.

use leptos::prelude::*;

/// One step of the breadcrumbs: a label and where it leads.
pub type Crumb = (String, String);

/// A page's header. The breadcrumbs lead back up; the page itself is the last
/// one, not a link.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] crumbs: Vec<Crumb>,
) -> impl IntoView {
    let here = title.clone();
    view! {
        <header class="page-header">
            {(!crumbs.is_empty()).then(|| view! {
                <nav aria-label="Breadcrumb" class="breadcrumbs">
                    <ol>
                        {crumbs.into_iter().map(|(label, href)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
                        <li aria-current="page">{here}</li>
                    </ol>
                </nav>
            })}
            <h1>{title}</h1>
            {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
        </header>
    }
}
