//! The background workers: the activation engine, the outbox sender and the
//! contact propagation job, each in its own loop so a burst of email does not
//! hold back decisions or propagation.

use crate::mailer::Mailer;
use app::activation::engine::decide_pending;
use app::contacts::propagation::propagate_due;
use app::mail::sending::{send_due, send_due_leased};
use app::state::AppState;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

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

/// How long a worker may go without starting or finishing a round before the
/// portal says it is not ready.
pub const STALL_AFTER: Duration = Duration::from_secs(600);

/// The three workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    Engine,
    Outbox,
    Propagation,
}

impl Worker {
    const ALL: [Worker; 3] = [Worker::Engine, Worker::Outbox, Worker::Propagation];

    /// How operators read its name.
    pub fn name(self) -> &'static str {
        match self {
            Worker::Engine => "activation engine",
            Worker::Outbox => "outbox",
            Worker::Propagation => "contact propagation",
        }
    }
}

/// Signs of life of each worker: whether its loop still runs and when it last
/// started or finished a round.
#[derive(Debug)]
pub struct Beats {
    started: Instant,
    /// Milliseconds since `started` of each worker's last beat; -1 before the first.
    last: [AtomicI64; 3],
    running: [AtomicBool; 3],
}

impl Default for Beats {
    fn default() -> Self {
        Beats {
            started: Instant::now(),
            last: [AtomicI64::new(-1), AtomicI64::new(-1), AtomicI64::new(-1)],
            running: Default::default(),
        }
    }
}

impl Beats {
    fn beat(&self, worker: Worker) {
        let millis = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.last[worker as usize].store(millis, Ordering::Relaxed);
    }

    /// The workers that are not alive: stopped, never started, or silent for
    /// longer than [`STALL_AFTER`].
    pub fn not_alive(&self) -> Vec<Worker> {
        let now = self.started.elapsed();
        Worker::ALL
            .into_iter()
            .filter(|w| {
                let last = self.last[*w as usize].load(Ordering::Relaxed);
                !self.running[*w as usize].load(Ordering::Relaxed)
                    || last < 0
                    || now.saturating_sub(Duration::from_millis(last as u64)) > STALL_AFTER
            })
            .collect()
    }
}

/// Marks a worker running while its loop lives, a panic included.
struct Running<'a>(&'a AtomicBool);

impl<'a> Running<'a> {
    fn new(flag: &'a AtomicBool) -> Self {
        flag.store(true, Ordering::Relaxed);
        Running(flag)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// Whether the portal is stopping: told so, or its stopper is gone.
fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Runs one worker's rounds until `stop`: a round once begun is finished, so a
/// portal that stops leaves no claimed batch behind.
async fn run_worker<F, Fut>(
    worker: Worker,
    beats: Arc<Beats>,
    mut stop: watch::Receiver<bool>,
    every: Duration,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, app::AppError>>,
{
    let _running = Running::new(&beats.running[worker as usize]);
    while !stopping(&stop) {
        beats.beat(worker);
        let outcome = round().await;
        beats.beat(worker);
        let rest = match outcome {
            // Straight on after a round that had work.
            Ok(n) if n > 0 => Duration::ZERO,
            Ok(_) => every,
            Err(e) => {
                tracing::error!(error = %e, worker = worker.name(), "a worker's round failed");
                every
            }
        };
        if rest.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::select! {
                _ = tokio::time::sleep(rest) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Runs the three workers until `stop` says so, then returns once each has
/// finished the round it was in. The engine and the outbox go straight on
/// after a round that did something and rest `every` after one that found
/// nothing; propagation runs every `every`.
pub async fn run_workers(
    state: AppState,
    mailer: Mailer,
    every: Duration,
    lease: Duration,
    beats: Arc<Beats>,
    stop: watch::Receiver<bool>,
) {
    let lease = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
    let engine = {
        let state = state.clone();
        move || {
            let state = state.clone();
            async move {
                let now = state.clock.now();
                decide_pending(&state.db, &state.link_keys, now, DECISIONS_PER_ROUND).await
            }
        }
    };
    let outbox = {
        let state = state.clone();
        move || {
            let (state, mailer) = (state.clone(), mailer.clone());
            async move {
                let now = state.clock.now();
                let url = state.public_url.as_str();
                send_due_leased(
                    &state.db,
                    &mailer,
                    &state.link_keys,
                    url,
                    now,
                    MESSAGES_PER_ROUND,
                    lease,
                )
                .await
            }
        }
    };
    let propagation = move || {
        let state = state.clone();
        // Propagation keeps its pace whatever a round found.
        async move {
            propagate_due(&state.db, state.now_unix(), 500)
                .await
                .map(|_| 0)
        }
    };
    // Each in a task of its own, so a burst of email holds back no decision.
    let tasks = [
        tokio::spawn(run_worker(
            Worker::Engine,
            beats.clone(),
            stop.clone(),
            every,
            engine,
        )),
        tokio::spawn(run_worker(
            Worker::Outbox,
            beats.clone(),
            stop.clone(),
            every,
            outbox,
        )),
        tokio::spawn(run_worker(
            Worker::Propagation,
            beats,
            stop,
            every,
            propagation,
        )),
    ];
    for task in tasks {
        if let Err(e) = task.await {
            tracing::error!(error = %e, "a worker stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_alive_while_its_loop_runs_and_beats() {
        let beats = Beats::default();
        assert_eq!(beats.not_alive(), Worker::ALL, "none has started");
        let guards: Vec<Running> = beats.running.iter().map(Running::new).collect();
        assert_eq!(
            beats.not_alive(),
            Worker::ALL,
            "running, but no round begun"
        );
        for w in Worker::ALL {
            beats.beat(w);
        }
        assert_eq!(beats.not_alive(), []);
        drop(guards);
        assert_eq!(beats.not_alive(), Worker::ALL, "their loops ended");
    }

    #[test]
    fn a_worker_silent_for_too_long_is_not_alive() {
        let beats = Beats {
            started: Instant::now() - STALL_AFTER - Duration::from_secs(5),
            ..Beats::default()
        };
        let _guards: Vec<Running> = beats.running.iter().map(Running::new).collect();
        // The engine beat at the start, the others just now.
        beats.last[Worker::Engine as usize].store(0, Ordering::Relaxed);
        beats.beat(Worker::Outbox);
        beats.beat(Worker::Propagation);
        assert_eq!(beats.not_alive(), [Worker::Engine]);
    }
}
