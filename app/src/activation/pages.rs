use super::{
    activation_link, diagnose, mailbox, preview_account, ChooseAccount, ConfirmActivation,
    LinkState,
};
use crate::error::AppError;
use crate::lists::{KeepSorting, ListError, ListQuery, Pager};
use crate::ui::FormToken;
use crate::ui::{FieldError, FormError, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn token_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

/// Where an activation link lands: choose the online account, or learn why the
/// link no longer works (R9) and what to do.
#[component]
pub fn ActivatePage() -> impl IntoView {
    let token = token_param();
    let state = Resource::new(token, activation_link);
    let choose = ServerAction::<ChooseAccount>::new();
    let error = Signal::derive(move || choose.value().get().and_then(|r| r.err()));
    let form_error = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { .. }))
    });
    view! {
        <Title text="Activate your online services · Volume Licensing"/>
        <main id="main" class="activate">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Valid { enrollment_number, enrollment_name, recipient_masked, expires_on }) => view! {
                            <h1>"Sign in or register to start using your new subscription"</h1>
                            <p>"Enrollment " <strong>{enrollment_number}</strong> " (" {enrollment_name} "), sent to " {recipient_masked} ". This link works until " {expires_on} "."</p>
                            <aside class="notice">
                                <p><strong>"Before you go on: "</strong>"sign out of any other Microsoft service accounts, or use a private (InPrivate or incognito) window, so the licenses do not land on the wrong account."</p>
                            </aside>
                            <h2>"Your online account"</h2>
                            <p>"Enter the domain of your organisation's online account and its administrator's address. If the account does not exist yet, it is registered with this administrator."</p>
                            <ActionForm action=choose attr:novalidate=true attr:class="stacked">
                                <FormToken/>
                                <input type="hidden" name="token" value=token()/>
                                <div class="field">
                                    <label for="domain">"Account domain"</label>
                                    <input id="domain" name="domain" placeholder="contoso.onmicrosoft.com"/>
                                    <FieldError error field="domain"/>
                                </div>
                                <div class="field">
                                    <label for="admin_email">"Administrator email"</label>
                                    <input id="admin_email" name="admin_email" type="email"/>
                                    <FieldError error field="admin_email"/>
                                </div>
                                <FormError error=form_error/>
                                <button type="submit">"Continue"</button>
                            </ActionForm>
                        }.into_any(),
                        Ok(LinkState::Expired { enrollment_number, expired_on }) => view! {
                            <h1>"This activation link has expired"</h1>
                            <p>"The link for enrollment " {enrollment_number} " expired on " {expired_on} ": links expire six months after the original purchase date."</p>
                            <p>"Ask VLSC Support to reactivate it; they will send a new link."</p>
                        }.into_any(),
                        Ok(LinkState::Used { enrollment_number, account_domain }) => view! {
                            <h1>"This activation link has been used"</h1>
                            <p data-testid="activation-done">"Enrollment " {enrollment_number} " is attached to the online account " <strong>{account_domain}</strong> ". Later orders join this account without another email."</p>
                            <p>"If this is the wrong account, ask Support to remap the licenses."</p>
                        }.into_any(),
                        Ok(LinkState::Unknown) | Err(_) => view! {
                            <h1>"We do not recognise this activation link"</h1>
                            <p>"Check that you copied the whole link from the email. If it still does not work, ask VLSC Support to send the activation email again."</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// Names the account and the enrollment and asks to confirm before binding.
#[component]
pub fn ActivateConfirmPage() -> impl IntoView {
    let token = token_param();
    let query = use_query_map();
    let q = move |name: &str| query.read().get(name).unwrap_or_default();
    let preview = Resource::new(
        move || (token(), q("domain"), q("admin_email")),
        |(t, d, a)| preview_account(t, d, a),
    );
    let confirm = ServerAction::<ConfirmActivation>::new();
    let error = Signal::derive(move || confirm.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Confirm the account · Volume Licensing"/>
        <main id="main" class="activate">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(p) => view! {
                            <h1>"Confirm the account"</h1>
                            <p data-testid="confirm-text">"You are about to attach enrollment " <strong>{p.enrollment_number.clone()}</strong> " (" {p.enrollment_name.clone()} ") to the online account " <strong>{p.domain.clone()}</strong>
                                {if p.new_account { " (a new account, administered by " } else { " (an existing account, administered by " }} {p.admin_email.clone()} ")."</p>
                            <ActionForm action=confirm>
                                <FormToken/>
                                <input type="hidden" name="token" value=token()/>
                                <input type="hidden" name="domain" value=p.domain.clone()/>
                                <input type="hidden" name="admin_email" value=p.admin_email.clone()/>
                                <FormError error/>
                                <button type="submit">"Attach to this account"</button>
                            </ActionForm>
                            <p><a href=format!("/activate/{}", token())>"Choose another account"</a></p>
                        }.into_any(),
                        Err(e) => view! {
                            <h1>"This cannot be confirmed"</h1>
                            <p class="form-error" role="alert">{e.for_field("domain").or(e.for_field("admin_email")).unwrap_or_else(|| e.to_string())}</p>
                            <p><a href=format!("/activate/{}", token())>"Back to the activation page"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// "Why no activation email?" for one enrollment (R11), and its delivery timeline.
#[component]
pub fn DiagnosisPage() -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let diagnosis = Resource::new(number, diagnose);
    view! {
        <Title text="Why no activation email? · Volume Licensing portal"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match diagnosis.await {
                    Ok(d) => view! {
                        <PageHeader title="Why no activation email?"
                            crumbs=vec![("Enrollments".to_string(), "/enrollments".to_string()), (format!("Enrollment {}", d.enrollment_number), format!("/enrollments/{}", d.enrollment_number))]/>
                        <p class="summary" data-testid="diagnosis-summary">{d.summary}</p>
                        <ul class="checks">
                            {d.checks.into_iter().map(|c| view! {
                                <li class:applies=c.applies data-testid=format!("check-{}", c.code) data-applies=c.applies.to_string()>
                                    <h2>{format!("{}. {}", c.code, c.title)} <span class="verdict">{if c.applies { "Applies" } else { "Does not apply" }}</span></h2>
                                    <p>{c.evidence}</p>
                                    {c.applies.then(|| view! { <p class="next">"Next step: " {c.next_step}</p> })}
                                </li>
                            }).collect_view()}
                        </ul>
                        <h2>"Delivery timeline"</h2>
                        {if d.timeline.is_empty() {
                            view! { <p class="empty">"No activation email has been decided or sent for this enrollment."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="timeline">
                                    {d.timeline.into_iter().map(|t| view! { <li data-outcome=t.outcome><time>{t.at}</time> " " {t.event}</li> }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                        <p><a href=format!("/enrollments/{}", number())>"Back to the enrollment"</a></p>
                    }.into_any(),
                    Err(e) => view! { <h1>"Why no activation email?"</h1><p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The demo mailbox: what the portal would have sent by SMTP.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let query = ListQuery::current();
    let param = move |name: &str| query.read().get(name);
    let messages = Resource::new(
        move || (param("q"), param("dir"), param("after"), param("per")),
        |(q, dir, after, per)| mailbox(q, dir, after, per),
    );
    let oldest_first = move || param("dir").as_deref() == Some("asc");
    let order = move || {
        let q = query.read();
        if oldest_first() {
            (q.with(&[("dir", "")]), "Newest first")
        } else {
            (q.with(&[("dir", "asc")]), "Oldest first")
        }
    };
    view! {
        <Title text="Mailbox (demo) · Volume Licensing portal"/>
        <h1>"Mailbox (demo)"</h1>
        <p>"Without an SMTP server the portal delivers email here."</p>
        <form method="get" action="/mailbox" class="search" role="search">
            <KeepSorting query/>
            <div class="field">
                <label for="mailbox-q">"Search"</label>
                <input id="mailbox-q" name="q" type="search" value=move || param("q").unwrap_or_default()
                    placeholder="Recipient, subject or text"/>
            </div>
            <button type="submit">"Search"</button>
        </form>
        <p>
            {move || if oldest_first() { "Oldest first. " } else { "Newest first. " }}
            <a href=move || order().0>{move || order().1}</a>
        </p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No messages match."</p> }.into_any(),
                    Ok(page) => {
                        let shown = page.items.len();
                        view! {
                            {page.items.into_iter().map(|m| view! {
                                <article class="message">
                                    <h2>{m.subject.clone()}</h2>
                                    <p class="meta">"To " {m.to} " · " {m.delivered_at}</p>
                                    <div class="body">
                                        {m.body.lines().map(|line| {
                                            let line = line.to_string();
                                            if line.starts_with("http://") || line.starts_with("https://") {
                                                view! { <p><a href=line.clone()>{line.clone()}</a></p> }.into_any()
                                            } else {
                                                view! { <p>{line}</p> }.into_any()
                                            }
                                        }).collect_view()}
                                    </div>
                                    {m.has_html.then(|| {
                                        let title = format!("HTML version of \u{201c}{}\u{201d}", m.subject);
                                        view! {
                                            <details class="html-part">
                                                <summary>"HTML version"</summary>
                                                // A sandboxed frame whose document's own policy runs
                                                // no script and loads nothing.
                                                <iframe sandbox="" src=format!("/mailbox/{}/html", m.id) title=title></iframe>
                                            </details>
                                        }
                                    })}
                                </article>
                            }).collect_view()}
                            <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="messages" query/>
                        }.into_any()
                    }
                    Err(error) => view! { <ListError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
