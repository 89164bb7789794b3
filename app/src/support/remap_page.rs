use super::{preview_remap, support_form_key, RemapLicenses};
use crate::ui::FormToken;
use crate::ui::{action_errors, FieldError, FormError, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Reviews a remap (R10): names the enrollment and both accounts, and asks the
/// agent to confirm before anything moves.
#[component]
pub fn RemapPage() -> impl IntoView {
    let query = use_query_map();
    let wanted = move || {
        let q = query.read();
        (
            q.get("enrollment").unwrap_or_default(),
            q.get("domain").unwrap_or_default(),
        )
    };
    let remap = ServerAction::<RemapLicenses>::new();
    let preview = Resource::new(wanted, |(enrollment, domain)| async move {
        (
            preview_remap(enrollment, domain).await,
            support_form_key().await,
        )
    });
    view! {
        <Title text="Remap licenses · Volume Licensing portal"/>
        <PageHeader title="Remap licenses" crumbs=vec![("Support console".to_string(), "/support".to_string())]/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match preview.await {
                    (Ok(p), Ok(key)) => {
                        let (error, form_error) = action_errors(remap);
                        view! {
                            <p class="notice" data-testid="remap-preview">
                                "You are about to move the licenses of enrollment " <strong>{p.enrollment_number.clone()}</strong>
                                " (" {p.enrollment_name.clone()} ") from the online account " <strong>{p.from_domain.clone()}</strong>
                                " to " <strong>{p.to_domain.clone()}</strong> ". Later orders will join " {p.to_domain.clone()} "."
                            </p>
                            <ActionForm action=remap attr:novalidate=true attr:class="stacked">
                                <FormToken/>
                                <input type="hidden" name="enrollment" value=p.enrollment_number/>
                                <input type="hidden" name="domain" value=p.to_domain/>
                                <input type="hidden" name="request_key" value=key/>
                                <div class="field">
                                    <label for="remap-asked-by">"Asked by"</label>
                                    <input id="remap-asked-by" name="asked_by"/>
                                    <FieldError error field="asked_by"/>
                                </div>
                                <FormError error=form_error/>
                                <button type="submit">"Confirm the remap"</button>
                            </ActionForm>
                            <p><a href="/support">"Back to the support console"</a></p>
                        }.into_any()
                    }
                    (Err(e), _) | (_, Err(e)) => view! {
                        <p class="form-error" role="alert" data-testid="remap-refusal">{e.to_string()}</p>
                        <p><a href="/support">"Back to the support console"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
