use crate::auth::CurrentUserResource;
use crate::home::{attention, Section};
use leptos::prelude::*;
use leptos_meta::Title;

/// Says who is signed in, then what needs their attention, each item a link.
#[component]
pub fn HomePage() -> impl IntoView {
    let CurrentUserResource(user) = expect_context();
    let sections = Resource::new(|| (), |_| attention());
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
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match sections.await {
                    Ok(sections) => view! {
                        <div class="attention">
                            {sections.into_iter().map(|s| view! { <Attention section=s/> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Attention(section: Section) -> impl IntoView {
    let heading = format!("attention-{}-h", section.key);
    let labelled_by = heading.clone();
    view! {
        <section class="attention-section" data-testid=format!("attention-{}", section.key)
            aria-labelledby=labelled_by>
            <h2 id=heading>{section.title} " " <span class="count" data-testid="count">{section.count}</span></h2>
            {if section.items.is_empty() {
                view! { <p class="empty">{section.empty}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {section.items.into_iter().map(|i| view! {
                            <li><a href=i.href>{i.label}</a> <span class="detail">{i.detail}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {section.all.map(|(href, label)| view! { <p><a href=href>{label}</a></p> })}
        </section>
    }
}
