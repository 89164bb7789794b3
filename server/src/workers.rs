//! The background workers: the activation engine, the outbox sender and the
//! contact propagation job, each in its own loop so a burst of email does not
//! hold back decisions or propagation.

use crate::mailer::Mailer;
use app::activation::engine::decide_pending;
use app::activation::outbox::{send_due, send_due_leased};
use app::contacts::propagation::propagate_due;
use app::state::AppState;
use std::time::Duration;

/// Orders the engine decides in one round.
const DECISIONS_PER_ROUND: i64 = 5_000;
/// Messages the outbox worker sends in one round.
const MESSAGES_PER_ROUND: usize = 10_000;

/// One round of every worker, one after the other: decide new orders, send
/// what is due, and copy due contact changes to VLSC and explore.ms.
pub async fn work_once(state: &AppState, mailer: &Mailer) -> Result<(usize, usize), app::AppError> {
    let decided = decide_pending(&state.db, &state.link_keys, state.clock.now(), 500).await?;
    let sent = send_due(
        &state.db,
        mailer,
        &state.link_keys,
        &state.public_url,
        state.clock.now(),
        200,
    )
    .await?;
    propagate_due(&state.db, state.now_unix(), 500).await?;
    Ok((decided, sent))
}

/// Runs the three workers until the process ends. The engine and the outbox
/// go straight on after a round that did something and rest `every` after
/// one that found nothing; propagation runs every `every`.
pub async fn run_workers(state: AppState, mailer: Mailer, every: Duration, lease: Duration) {
    let engine = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                let round = decide_pending(
                    &state.db,
                    &state.link_keys,
                    state.clock.now(),
                    DECISIONS_PER_ROUND,
                )
                .await;
                rest("the activation engine", round, every).await;
            }
        })
    };
    let outbox = {
        let state = state.clone();
        let lease = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
        tokio::spawn(async move {
            loop {
                let round = send_due_leased(
                    &state.db,
                    &mailer,
                    &state.link_keys,
                    &state.public_url,
                    state.clock.now(),
                    MESSAGES_PER_ROUND,
                    lease,
                )
                .await;
                rest("the outbox worker", round, every).await;
            }
        })
    };
    let propagation = tokio::spawn(async move {
        loop {
            if let Err(e) = propagate_due(&state.db, state.now_unix(), 500).await {
                tracing::error!(error = %e, "contact propagation failed a round");
            }
            tokio::time::sleep(every).await;
        }
    });
    let _ = tokio::join!(engine, outbox, propagation);
}

/// After a round: straight on when it had work, else a rest.
async fn rest(worker: &str, round: Result<usize, app::AppError>, every: Duration) {
    match round {
        Ok(n) if n > 0 => tokio::task::yield_now().await,
        Ok(_) => tokio::time::sleep(every).await,
        Err(e) => {
            tracing::error!(error = %e, worker, "a worker's round failed");
            tokio::time::sleep(every).await;
        }
    }
}
