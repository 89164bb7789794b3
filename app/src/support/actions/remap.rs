//! R10: an enrollment's licenses moved to another online account; later
//! orders join that account.

use super::{enrollment_named, work, ConsoleForm, OnTicket, TicketWork, Worked};
use crate::access::{Task, VisibleEnrollment};
use crate::audit::trail::record;
use crate::auth::CurrentUser;
use crate::domain::parse_account_domain;
use crate::domain::TicketId;
use crate::error::AppError;
use crate::state::AppState;
use crate::support::{tickets, RemapPreview, TicketKind};

/// Why there is nothing to remap.
pub(super) const NOT_ASSOCIATED: &str =
    "This enrollment is not associated with an online account yet: there is nothing to remap; its activation link binds it.";

/// What a remap would move: the preview, and the ids of the account it
/// leaves and the one it joins.
struct Move {
    preview: RemapPreview,
    from_id: i64,
    to_id: i64,
}

async fn remap_facts(
    conn: &mut sqlx::AnyConnection,
    enrollment: &VisibleEnrollment,
    domain: &str,
) -> Result<Move, AppError> {
    let domain = parse_account_domain(domain).map_err(|m| AppError::invalid("domain", m))?;
    let (name, from_id, from_domain) = sqlx::query_as::<_, (String, i64, String)>(
        "SELECT e.name, a.id, a.domain FROM enrollments e JOIN enrollment_accounts ea ON ea.enrollment_id = e.id \
         JOIN online_accounts a ON a.id = ea.account_id WHERE e.id = $1",
    )
    .bind(enrollment.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        AppError::invalid("enrollment", NOT_ASSOCIATED)
    })?;
    let to_id = sqlx::query_scalar::<_, i64>("SELECT id FROM online_accounts WHERE domain = $1")
        .bind(&domain)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| AppError::invalid("domain", "No online account has this domain."))?;
    if to_id == from_id {
        return Err(AppError::invalid(
            "domain",
            format!("The enrollment is already associated with {domain}."),
        ));
    }
    Ok(Move {
        preview: RemapPreview {
            enrollment_number: enrollment.number.clone(),
            enrollment_name: name,
            from_domain,
            to_domain: domain,
        },
        from_id,
        to_id,
    })
}

/// R10: what a remap would do, for the agent to confirm.
pub async fn remap_preview(
    state: &AppState,
    user: &CurrentUser,
    enrollment: &str,
    domain: &str,
) -> Result<RemapPreview, AppError> {
    Task::Support.allows(user)?;
    let enrollment = enrollment_named(state, user, enrollment).await?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(remap_facts(&mut conn, &enrollment, domain).await?.preview)
}

struct Remap<'a> {
    domain: &'a str,
}

impl TicketWork for Remap<'_> {
    type Checked = Move;
    const KIND: TicketKind = TicketKind::Remap;

    async fn check(&self, tx: &mut crate::db::Tx, on: &OnTicket<'_>) -> Result<Move, AppError> {
        remap_facts(tx, &on.enrollment, self.domain).await
    }

    async fn act(
        &self,
        tx: &mut crate::db::Tx,
        on: &OnTicket<'_>,
        ticket: TicketId,
        m: Move,
    ) -> Result<String, AppError> {
        let now = on.at();
        let moved = sqlx::query(
            "UPDATE enrollment_accounts SET account_id = $1, associated_at = $2 WHERE enrollment_id = $3 AND account_id = $4",
        )
        .bind(m.to_id)
        .bind(now)
        .bind(on.enrollment.id)
        .bind(m.from_id)
        .execute(&mut **tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(AppError::Conflict(
                "The enrollment's account changed meanwhile. Review the remap again.".into(),
            ));
        }
        sqlx::query(
            "UPDATE activations SET account_id = $1 WHERE enrollment_id = $2 AND account_id = $3",
        )
        .bind(m.to_id)
        .bind(on.enrollment.id)
        .bind(m.from_id)
        .execute(&mut **tx)
        .await?;
        let p = &m.preview;
        let detail = format!(
            "Licenses of enrollment {} moved from {} to {}; later orders join {}.",
            on.enrollment.number, p.from_domain, p.to_domain, p.to_domain
        );
        tickets::log(
            tx,
            ticket,
            on.user.id,
            "Remapped the licenses",
            &detail,
            now,
        )
        .await?;
        let mut event = on.audit(ticket, "Licenses remapped by support");
        event.before = Some(p.from_domain.clone());
        event.after = Some(p.to_domain.clone());
        record(tx, event).await?;
        Ok(detail)
    }
}

/// R10: moves the enrollment's association to the account `domain`, on a new
/// ticket.
pub async fn remap(
    state: &AppState,
    user: &CurrentUser,
    form: ConsoleForm<'_>,
    domain: &str,
) -> Result<Worked, AppError> {
    work(state, user, form, Remap { domain }).await
}
