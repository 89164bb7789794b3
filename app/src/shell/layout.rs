use super::navigation_for;
use crate::auth::{get_current_user, CurrentUser, CurrentUserResource, SignOutButton};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};

/// The frame of every page that needs a signed-in user: header, navigation and
/// the page. Without a user it sends the browser to sign in, and back afterwards.
#[component]
pub fn Layout() -> impl IntoView {
    let location = use_location();
    // Loaded once per mount: signing in or out leaves the layout (the sign-in
    // page is outside it), so a new layout loads the new user.
    let user = Resource::new(|| (), |_| get_current_user());
    provide_context(CurrentUserResource(user));
    let back_to = move || {
        let search = location.search.get_untracked();
        let here = if search.is_empty() {
            location.pathname.get_untracked()
        } else {
            format!("{}?{}", location.pathname.get_untracked(), search)
        };
        format!("/sign-in?next={}", crate::ui::encode_path(&here))
    };
    // The page (the Outlet) is not built inside the user's Suspend: a page built
    // there would be built again, with new resources, whenever the user resolves.
    // Pages check the user themselves in their server functions.
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Header user/> }.into_any(),
                    Ok(None) | Err(AppError::Unauthenticated) => view! { <Redirect path=back_to()/> }.into_any(),
                    Err(e) => view! {
                        <p class="form-error" role="alert">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        <main id="main"><Outlet/></main>
    }
}

#[component]
fn Header(user: CurrentUser) -> impl IntoView {
    let mut items = navigation_for(user.role);
    if user.demo_mailbox {
        items.push(super::NavItem {
            href: "/mailbox",
            label: "Mailbox",
        });
    }
    view! {
        <header class="top">
            <a class="brand" href="/">"Volume Licensing portal"</a>
            <nav aria-label="Main">
                <ul>
                    {items.into_iter().map(|i| view! { <li><A href=i.href>{i.label}</A></li> }).collect_view()}
                </ul>
            </nav>
            <div class="who">
                <span class="who-name">{user.display_name.clone()}</span>
                <span class="who-role">{user.role.label()}</span>
                <A href="/account">"Your account"</A>
                <SignOutButton/>
            </div>
        </header>
    }
}
