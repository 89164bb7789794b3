//! Invitations: a VLSC administrator invites a person to their organisation
//! with a role (support invites a customer organisation's first
//! administrator); the person chooses their own password through a single-use
//! link valid 72 hours. Resending makes a new link and kills the old one;
//! withdrawing kills it. Server only.

use super::links::{lookup_hash, mint, LinkPurpose};
use super::{InvitationView, PendingInvitation};
use crate::access::invitations::InvitationScope;
use crate::access::Task;
use crate::accounts::emails::enqueue_account_email;
use crate::accounts::emails::AccountEmail;
use crate::audit::trail::{record, Event};
use crate::auth::CurrentUser;
use crate::db::{Backend, Tx};
use crate::domain::{
    format_time, EmailAddress, InvitationStatus, OrganisationId, PersonName, Role, UserId,
};
use crate::error::AppError;
use crate::lists::ssr::{count_sql, Column, Kind, Sorting, Value};
use crate::lists::{Direction, Page};
use crate::mail::queue;
use crate::state::AppState;

pub use crate::access::invitations::{invitable_roles, ADMINISTRATOR_INVITES, SUPPORT_INVITES};

/// An invitation to send, as the form submits it.
#[derive(Debug, Clone, Copy)]
pub struct NewInvitation<'a> {
    pub display_name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
}

/// Invites a person to the inviter's own organisation: a VLSC administrator
/// their organisation's people, a support agent their colleagues.
pub async fn invite(
    state: &AppState,
    admin: &CurrentUser,
    new: NewInvitation<'_>,
) -> Result<(), AppError> {
    Task::InvitePeople.allows(admin)?;
    let allowed = invitable_roles(admin.role);
    let role = Role::parse(new.role.trim())
        .ok()
        .filter(|r| allowed.contains(r))
        .ok_or_else(|| AppError::invalid("role", "Choose a role from the list."))?;
    send(state, admin, admin.organisation_id, new, role).await
}

/// Support invites the first VLSC administrator of a customer organisation
/// that has none.
pub async fn invite_first_administrator(
    state: &AppState,
    agent: &CurrentUser,
    organisation_id: &str,
    new: NewInvitation<'_>,
) -> Result<(), AppError> {
    Task::InviteFirstAdministrator.allows(agent)?;
    PersonName::parse(new.display_name).map_err(|m| AppError::invalid("display_name", m))?;
    EmailAddress::parse(new.email).map_err(|m| AppError::invalid("email", m))?;
    AppError::require("organisation", organisation_id, "Choose an organisation.")?;
    let organisation_id = AppError::parse_number("organisation", organisation_id)?;
    let customer = sqlx::query_scalar::<_, String>("SELECT kind FROM organisations WHERE id = $1")
        .bind(organisation_id)
        .fetch_optional(state.db.pool())
        .await?
        .filter(|kind| kind == "customer");
    if customer.is_none() {
        return Err(AppError::invalid(
            "organisation",
            "Choose a customer organisation.",
        ));
    }
    let administrators = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users WHERE organisation_id = $1 AND role = 'vlsc_admin' AND active = 1",
    )
    .bind(organisation_id)
    .fetch_one(state.db.pool())
    .await?;
    if administrators > 0 {
        return Err(AppError::invalid(
            "organisation",
            "This organisation already has a VLSC administrator: they invite its people.",
        ));
    }
    send(
        state,
        agent,
        OrganisationId(organisation_id),
        new,
        Role::VlscAdministrator,
    )
    .await
}

async fn send(
    state: &AppState,
    inviter: &CurrentUser,
    organisation_id: OrganisationId,
    new: NewInvitation<'_>,
    role: Role,
) -> Result<(), AppError> {
    let name =
        PersonName::parse(new.display_name).map_err(|m| AppError::invalid("display_name", m))?;
    let email = EmailAddress::parse(new.email).map_err(|m| AppError::invalid("email", m))?;
    let taken = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_one(state.db.pool())
        .await?;
    if taken > 0 {
        return Err(AppError::invalid(
            "email",
            "This email already belongs to a portal account. Choose another email.",
        ));
    }
    if let Some((org, pending_role)) = sqlx::query_as::<_, (OrganisationId, String)>(
        "SELECT organisation_id, role FROM invitations WHERE email = $1 AND status = 'pending'",
    )
    .bind(email.as_str())
    .fetch_optional(state.db.pool())
    .await?
    {
        if org == organisation_id && pending_role == role.code() {
            // The same invitation submitted again (a double click): one invitation.
            return Ok(());
        }
        return Err(AppError::invalid(
            "email",
            "This person already has a pending invitation. Withdraw it first to invite them differently.",
        ));
    }
    let now = state.now_unix();
    let link = mint(&state.link_keys, LinkPurpose::Invitation);
    let mut tx = state.db.begin().await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO invitations (organisation_id, email, display_name, role, invited_by, status, \
         link_salt, link_key_id, token_hash, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, $9, $10) \
         ON CONFLICT (email) WHERE status = 'pending' DO NOTHING RETURNING id",
    )
    .bind(organisation_id)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(role.code())
    .bind(inviter.id)
    .bind(&link.salt)
    .bind(&link.key_id)
    .bind(&link.token_hash)
    .bind(now + LinkPurpose::Invitation.lifetime_seconds())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        // A twin request invited them first.
        return Ok(());
    };
    enqueue_account_email(&mut tx, AccountEmail::Invitation(id), email.as_str(), now).await?;
    audit(
        &mut tx,
        organisation_id,
        inviter.id,
        "Invitation sent",
        format!("{} <{}>", name.as_str(), email.as_str()),
        Some(role.label().into()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    tx: &mut Tx,
    organisation_id: OrganisationId,
    actor: UserId,
    action: &'static str,
    subject: String,
    after: Option<String>,
    at: i64,
) -> Result<(), AppError> {
    record(
        tx,
        Event {
            organisation_id: Some(organisation_id),
            actor_id: Some(actor),
            action,
            subject,
            after,
            at,
            security: true,
            ..Event::default()
        },
    )
    .await
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: i64,
    organisation_id: OrganisationId,
    organisation_name: String,
    email: String,
    display_name: String,
    role: String,
    status: String,
    expires_at: i64,
    created_at: i64,
}

const INVITATION_SELECT: &str =
    "SELECT i.id, i.organisation_id, o.name AS organisation_name, i.email, \
     i.display_name, i.role, i.status, i.expires_at, i.created_at \
     FROM invitations i JOIN organisations o ON o.id = i.organisation_id";

/// Whether `user` may resend or withdraw `invitation`: the administrators of
/// its organisation, or support for a first administrator's invitation.
fn may_manage(user: &CurrentUser, invitation: &InvitationRow) -> bool {
    let role = Role::parse(&invitation.role);
    match (InvitationScope::of(user), role) {
        (Some(scope), Ok(role)) => scope.covers(invitation.organisation_id, role),
        _ => false,
    }
}

fn pending(row: InvitationRow, now: i64) -> Result<PendingInvitation, AppError> {
    let role = Role::parse(&row.role).map_err(|_| AppError::Internal)?;
    Ok(PendingInvitation {
        id: row.id,
        display_name: row.display_name,
        email: row.email,
        role,
        organisation: row.organisation_name,
        invited: format_time(row.created_at),
        expires: format_time(row.expires_at),
        expired: row.expires_at <= now,
    })
}

/// The columns the pending invitations sort by.
const COLUMNS: [Column; 3] = [
    Column {
        key: "invited",
        sql: "i.id",
        kind: Kind::Integer,
    },
    Column {
        key: "email",
        sql: "i.email",
        kind: Kind::Text,
    },
    Column {
        key: "expires",
        sql: "i.expires_at",
        kind: Kind::Integer,
    },
];

/// Reads the pending invitations' sort and page from the URL; newest first
/// unless it says otherwise.
pub fn pending_sorting(
    sort: Option<&str>,
    dir: Option<&str>,
    after: Option<&str>,
    per: Option<&str>,
) -> Result<Sorting, AppError> {
    Sorting::parse(
        &COLUMNS,
        ("invited", Direction::Descending),
        sort,
        dir,
        after,
    )?
    .per_page(per)
}

/// A page of the pending invitations `user` may manage: their organisation's
/// for an administrator, first administrators' for support.
pub async fn list_pending(
    state: &AppState,
    user: &CurrentUser,
    sorting: &Sorting,
) -> Result<Page<PendingInvitation>, AppError> {
    let (matching, organisation) = match InvitationScope::of(user) {
        Some(InvitationScope::Organisation(o)) => {
            ("WHERE i.organisation_id = $1 AND i.status = 'pending'", o)
        }
        Some(InvitationScope::OrganisationAndFirstAdministrators(o)) => (
            "WHERE (i.role = 'vlsc_admin' OR i.organisation_id = $1) AND i.status = 'pending'",
            o,
        ),
        None => return Err(AppError::Forbidden(Task::InvitePeople.refusal().into())),
    };
    let sql = format!(
        "{INVITATION_SELECT} {matching}{}{}",
        sorting.after_condition("i.id", 2),
        sorting.order_by("i.id")
    );
    let query = sqlx::query_as::<_, InvitationRow>(&sql).bind(organisation);
    let rows = sorting.bind(query).fetch_all(state.db.pool()).await?;
    let total = sqlx::query_scalar::<_, i64>(&count_sql(&format!("FROM invitations i {matching}")))
        .bind(organisation)
        .fetch_one(state.db.pool())
        .await?;
    let now = state.now_unix();
    let column = sorting.column.key;
    let page = sorting.page(
        rows,
        total,
        |r| {
            let value = match column {
                "email" => Value::Text(r.email.clone()),
                "expires" => Value::Integer(r.expires_at),
                _ => Value::Integer(r.id),
            };
            (value, r.id)
        },
        |r| r,
    );
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| pending(r, now))
            .collect::<Result<_, _>>()?,
        total: page.total,
        at_least: page.at_least,
        next_after: page.next_after,
    })
}

async fn managed(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<InvitationRow, AppError> {
    Task::InvitePeople.allows(user)?;
    AppError::require("id", id, "Choose an invitation.")?;
    let id = AppError::parse_number("id", id)?;
    let row = sqlx::query_as::<_, InvitationRow>(&format!("{INVITATION_SELECT} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .filter(|row| may_manage(user, row))
        .ok_or(AppError::NotFound)?;
    if row.status != InvitationStatus::Pending.code() {
        return Err(AppError::Conflict(
            "This invitation is no longer pending: it was accepted or withdrawn.".into(),
        ));
    }
    Ok(row)
}

/// Cancels the messages of an invitation not sent yet: an old link is never mailed.
async fn cancel_unsent(tx: &mut Tx, backend: Backend, invitation_id: i64) -> Result<(), AppError> {
    let queued: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE invitation_id = $1 AND status = 'queued'")
            .bind(invitation_id)
            .fetch_all(&mut **tx)
            .await?;
    queue::withdraw(
        tx,
        backend,
        &queued,
        "replaced or withdrawn before it was sent",
    )
    .await
}

/// Sends a pending invitation again with a new link; the old link stops working.
pub async fn resend(state: &AppState, user: &CurrentUser, id: &str) -> Result<(), AppError> {
    let row = managed(state, user, id).await?;
    let now = state.now_unix();
    let link = mint(&state.link_keys, LinkPurpose::Invitation);
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE invitations SET link_salt = $1, link_key_id = $2, token_hash = $3, expires_at = $4, \
         link_version = link_version + 1 WHERE id = $5 AND status = 'pending'",
    )
    .bind(&link.salt)
    .bind(&link.key_id)
    .bind(&link.token_hash)
    .bind(now + LinkPurpose::Invitation.lifetime_seconds())
    .bind(row.id)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "This invitation is no longer pending.".into(),
        ));
    }
    cancel_unsent(&mut tx, state.db.backend(), row.id).await?;
    enqueue_account_email(&mut tx, AccountEmail::Invitation(row.id), &row.email, now).await?;
    audit(
        &mut tx,
        row.organisation_id,
        user.id,
        "Invitation sent again",
        format!("{} <{}>", row.display_name, row.email),
        Some("A new link; the previous one no longer works".into()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws a pending invitation: its link stops working.
pub async fn withdraw(state: &AppState, user: &CurrentUser, id: &str) -> Result<(), AppError> {
    let row = match managed(state, user, id).await {
        Err(AppError::Conflict(_)) => return Ok(()), // already withdrawn or accepted: a double click
        other => other?,
    };
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE invitations SET status = 'withdrawn', closed_at = $1 WHERE id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(row.id)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    cancel_unsent(&mut tx, state.db.backend(), row.id).await?;
    audit(
        &mut tx,
        row.organisation_id,
        user.id,
        "Invitation withdrawn",
        format!("{} <{}>", row.display_name, row.email),
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a presented invitation link is.
enum Presented {
    Open(InvitationRow),
    Expired(InvitationRow),
    NotValid,
}

async fn presented(state: &AppState, token: &str) -> Result<Presented, AppError> {
    super::links::require_token(token)?;
    let row =
        sqlx::query_as::<_, InvitationRow>(&format!("{INVITATION_SELECT} WHERE i.token_hash = $1"))
            .bind(lookup_hash(token))
            .fetch_optional(state.db.pool())
            .await?;
    Ok(match row {
        Some(row) if row.status != InvitationStatus::Pending.code() => Presented::NotValid,
        Some(row) if row.expires_at <= state.now_unix() => Presented::Expired(row),
        Some(row) => Presented::Open(row),
        None => Presented::NotValid,
    })
}

const NOT_VALID: &str = "This invitation link does not work: it was used already, withdrawn, or replaced by a newer one. Ask whoever invited you to send a new invitation.";

fn expired(row: &InvitationRow) -> AppError {
    AppError::Conflict(format!(
        "This invitation expired on {}. Ask whoever invited you to send a new one.",
        format_time(row.expires_at)
    ))
}

/// What the invitation page shows for a link.
pub async fn describe(state: &AppState, token: &str) -> Result<InvitationView, AppError> {
    match presented(state, token).await? {
        Presented::Open(row) => {
            let role = Role::parse(&row.role).map_err(|_| AppError::Internal)?;
            Ok(InvitationView {
                display_name: row.display_name,
                email: row.email,
                organisation: row.organisation_name,
                role: role.label().into(),
            })
        }
        Presented::Expired(row) => Err(expired(&row)),
        Presented::NotValid => Err(AppError::Conflict(NOT_VALID.into())),
    }
}

/// Accepts an invitation: makes the account with the password the person
/// chose, closes the invitation, and returns the new user's id. Of two
/// acceptances at once, one makes the account and the other is refused.
pub async fn accept(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<(crate::auth::security_log::Person, Role), AppError> {
    super::password_rules::check_length(password).map_err(|m| AppError::invalid("password", m))?;
    let row = match presented(state, token).await? {
        Presented::Open(row) => row,
        Presented::Expired(row) => return Err(expired(&row)),
        Presented::NotValid => return Err(AppError::Conflict(NOT_VALID.into())),
    };
    super::password_rules::check(
        password,
        super::password_rules::PasswordOwner {
            email: &row.email,
            organisation: &row.organisation_name,
        },
    )
    .map_err(|m| AppError::invalid("password", m))?;
    let hash = crate::auth::ssr::hash_password_off_thread(password.to_string()).await?;
    let now = state.now_unix();
    let mut tx = state.db.begin().await?;
    let closed = sqlx::query(
        "UPDATE invitations SET status = 'accepted', closed_at = $1 \
         WHERE id = $2 AND status = 'pending' AND token_hash = $3 AND expires_at > $1",
    )
    .bind(now)
    .bind(row.id)
    .bind(lookup_hash(token))
    .execute(&mut *tx)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(AppError::Conflict(NOT_VALID.into()));
    }
    let user_id = sqlx::query_scalar::<_, UserId>(
        "INSERT INTO users (organisation_id, email, display_name, role, password_hash, active, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(row.organisation_id)
    .bind(&row.email)
    .bind(&row.display_name)
    .bind(&row.role)
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        AppError::Conflict("An account with this email exists already: sign in with it instead.".into())
    })?;
    sqlx::query("UPDATE invitations SET user_id = $1 WHERE id = $2")
        .bind(user_id)
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        row.organisation_id,
        user_id,
        "Invitation accepted",
        format!("{} <{}>", row.display_name, row.email),
        Some("Account created with a password the person chose".into()),
        now,
    )
    .await?;
    tx.commit().await?;
    let role = Role::parse(&row.role).map_err(|_| AppError::Internal)?;
    let person = crate::auth::security_log::Person {
        id: user_id,
        organisation_id: row.organisation_id,
        display_name: row.display_name,
        email: row.email,
    };
    Ok((person, role))
}
