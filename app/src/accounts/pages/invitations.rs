use crate::accounts::{
    pending_invitations, InviteFirstAdministrator, InvitePerson, PendingInvitation,
    ResendInvitation, WithdrawInvitation,
};
use crate::domain::OrganisationSummary;
use crate::domain::Role;
use crate::lists::{ListError, ListQuery, Page, Pager, SortHeader};
use crate::ui::{action_errors, FieldError, FormError, FormToken};
use leptos::prelude::*;

/// Pending invitations with "send again" and "withdraw", and the form to
/// invite someone: a VLSC administrator invites to their organisation with a
/// role; support invites a customer organisation's first administrator (pass
/// the `organisations` to choose from).
#[component]
pub fn InvitationsSection(
    #[prop(optional)] organisations: Option<Vec<OrganisationSummary>>,
) -> impl IntoView {
    let invite = ServerAction::<InvitePerson>::new();
    let first = ServerAction::<InviteFirstAdministrator>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    // A second list on the people's and the organisations' pages: its sort
    // and position have names of their own in the URL.
    let query = ListQuery::current_with_prefix("invitations_");
    let param = move |name: &str| query.read().get(name);
    let pending = Resource::new(
        move || {
            (
                (
                    invite.version().get(),
                    first.version().get(),
                    resend.version().get(),
                    withdraw.version().get(),
                ),
                (param("sort"), param("dir"), param("after"), param("per")),
            )
        },
        |(_, (sort, dir, after, per))| pending_invitations(sort, dir, after, per),
    );
    let (_, resend_error) = action_errors(resend);
    let (_, withdraw_error) = action_errors(withdraw);
    let form = match organisations {
        Some(organisations) => view! {
            <FirstAdministratorForm action=first organisations/>
            <InvitePersonForm action=invite heading="Invite a colleague"
                roles=vec![Role::SupportAgent, Role::RocOperator]/>
        }
        .into_any(),
        None => view! {
            <InvitePersonForm action=invite heading="Invite a person"
                roles=vec![Role::OnlineAdministrator, Role::OnlineServicesManager, Role::VlscAdministrator]/>
        }
        .into_any(),
    };
    view! {
        <section aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Invitations"</h2>
            <FormError error=resend_error/>
            <FormError error=withdraw_error/>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match pending.await {
                        Ok(page) if page.items.is_empty() => view! { <p class="empty">"No invitation is waiting."</p> }.into_any(),
                        Ok(page) => view! { <PendingTable page resend withdraw query/> }.into_any(),
                        Err(error) => view! { <ListError error/> }.into_any(),
                    }
                })}
            </Suspense>
            {form}
        </section>
    }
}

#[component]
fn PendingTable(
    page: Page<PendingInvitation>,
    resend: ServerAction<ResendInvitation>,
    withdraw: ServerAction<WithdrawInvitation>,
    query: Memo<ListQuery>,
) -> impl IntoView {
    let shown = page.items.len();
    view! {
        <table>
            <caption>"Invitations waiting for their person"</caption>
            <thead><tr>
                <th scope="col">"Name"</th><SortHeader label="Email" key="email" query/><th scope="col">"Role"</th>
                <th scope="col">"Organisation"</th><SortHeader label="Link expires" key="expires" query/><th scope="col">"Action"</th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|i| {
                    let id = i.id.to_string();
                    let same_id = id.clone();
                    let again = format!("Send the invitation of {} again", i.email);
                    let away = format!("Withdraw the invitation of {}", i.email);
                    view! {
                        <tr data-testid="invitation">
                            <td>{i.display_name.clone()}</td>
                            <td>{i.email.clone()}</td>
                            <td>{i.role.label()}</td>
                            <td>{i.organisation.clone()}</td>
                            <td>{i.expires.clone()}{i.expired.then_some(" (expired)")}</td>
                            <td>
                                <ActionForm action=resend attr:class="inline">
                                    <FormToken/>
                                    <input type="hidden" name="id" value=same_id/>
                                    <button type="submit" class="secondary" aria-label=again>"Send again"</button>
                                </ActionForm>
                                <ActionForm action=withdraw attr:class="inline">
                                    <FormToken/>
                                    <input type="hidden" name="id" value=id/>
                                    <button type="submit" class="secondary" aria-label=away>"Withdraw"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager total=page.total at_least=page.at_least shown next_after=page.next_after noun="invitations" query/>
    }
}

#[component]
fn InvitePersonForm(
    action: ServerAction<InvitePerson>,
    heading: &'static str,
    roles: Vec<Role>,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <h3>{heading}</h3>
        <p>"They receive an email with a link to choose their own password; the link works once, for 72 hours."</p>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <div class="field">
                <label for="person-name">"Name"</label>
                <input id="person-name" name="display_name" aria-describedby="display_name-error"/>
                <FieldError error field="display_name"/>
            </div>
            <div class="field">
                <label for="person-email">"Email"</label>
                <input id="person-email" name="email" type="email" aria-describedby="email-error"/>
                <FieldError error field="email"/>
            </div>
            <div class="field">
                <label for="person-role">"Role"</label>
                <select id="person-role" name="role" aria-describedby="role-error">
                    <option value="">"Choose a role"</option>
                    {roles
                        .into_iter()
                        .map(|r| view! { <option value=r.code()>{r.label()}</option> })
                        .collect_view()}
                </select>
                <FieldError error field="role"/>
            </div>
            <FormError error=form_error/>
            <Show when=sent><p role="status">"Invitation sent."</p></Show>
            <button type="submit" disabled=move || action.pending().get()>"Send invitation"</button>
        </ActionForm>
    }
}

#[component]
fn FirstAdministratorForm(
    action: ServerAction<InviteFirstAdministrator>,
    organisations: Vec<OrganisationSummary>,
) -> impl IntoView {
    let (error, form_error) = action_errors(action);
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <h3>"Invite an organisation's first administrator"</h3>
        <p>"For a customer organisation that has no VLSC administrator yet. They then invite their own people."</p>
        <ActionForm action attr:novalidate=true attr:class="stacked">
            <FormToken/>
            <div class="field">
                <label for="first-organisation">"Organisation"</label>
                <select id="first-organisation" name="organisation" aria-describedby="organisation-error">
                    <option value="">"Choose an organisation"</option>
                    {organisations.into_iter()
                        .map(|o| view! { <option value=o.id.to_string()>{o.name}</option> })
                        .collect_view()}
                </select>
                <FieldError error field="organisation"/>
            </div>
            <div class="field">
                <label for="first-name">"Name"</label>
                <input id="first-name" name="display_name" aria-describedby="display_name-error"/>
                <FieldError error field="display_name"/>
            </div>
            <div class="field">
                <label for="first-email">"Email"</label>
                <input id="first-email" name="email" type="email" aria-describedby="email-error"/>
                <FieldError error field="email"/>
            </div>
            <FormError error=form_error/>
            <Show when=sent><p role="status">"Invitation sent."</p></Show>
            <button type="submit" disabled=move || action.pending().get()>"Send invitation"</button>
        </ActionForm>
    }
}
