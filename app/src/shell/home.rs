use crate::auth::CurrentUserResource;
use leptos::prelude::*;
use leptos_meta::Title;

/// Says who is signed in, for which organisation, in which role.
#[component]
pub fn HomePage() -> impl IntoView {
    let CurrentUserResource(user) = expect_context();
    view! {
        <Title text="Home · Volume Licensing portal"/>
        <Suspense>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|u| view! {
                    <h1>"Welcome, " {u.display_name.clone()}</h1>
                    <dl class="whoami">
                        <dt>"Signed in as"</dt><dd data-testid="who-email">{u.email.clone()}</dd>
                        <dt>"Organisation"</dt><dd data-testid="who-organisation">{u.organisation_name.clone()}</dd>
                        <dt>"Role"</dt><dd data-testid="who-role">{u.role.label()}</dd>
                    </dl>
                })
            })}
        </Suspense>
    }
}
