//! What every request can reach on the server: the database, the clock and the
//! settings that shape sessions and sign-in.

use crate::db::Db;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// The source of the current time, injectable so tests can move it.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl ManualClock {
    /// Today's date on this clock.
    pub fn now_date(&self) -> time::Date {
        self.now().date()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Limits on sign-in attempts.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    /// Failed attempts allowed per account, and per client address, in one window.
    pub max_failures: u32,
    /// The sliding window the failures are counted in.
    pub window: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            max_failures: 10,
            window: Duration::from_secs(60),
        }
    }
}

/// Shared state of the running portal.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// A session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// Longest a session may live, however active.
    pub session_absolute_lifetime: Duration,
    /// Sign-in throttling.
    pub sign_in_limits: SignInLimits,
    /// The address people use to reach the portal (for links in emails).
    pub public_url: String,
    /// How long a change written to eMSL takes to reach VLSC and explore.ms.
    pub propagation_delay: Duration,
    /// Whether email goes to the demo mailbox (no SMTP server configured).
    pub demo_mailbox: bool,
    /// A password hash checked when the email is unknown, so that an unknown
    /// email takes as long to refuse as a wrong password.
    pub decoy_password_hash: Arc<str>,
    /// The keys activation links are made with; they come from the portal's
    /// configuration, never from the database.
    pub link_keys: Arc<crate::keys::link::LinkKeys>,
    /// Whether VLSC administrators, support agents and ROC operators must set
    /// up two-step sign-in before they are signed in. Always on in a running
    /// portal; tests of other features turn it off for their own users.
    pub require_two_step: bool,
    /// What this instance has done, counted for operators and tests.
    pub counters: Arc<Counters>,
}

/// Counts of work done by one portal instance.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests' sign-ins read from the database (at most one per request).
    pub sign_in_reads: std::sync::atomic::AtomicU64,
    /// Sign-ins refused for a wrong email or password.
    pub password_failures: std::sync::atomic::AtomicU64,
    /// Second steps refused for a wrong or used code.
    pub code_failures: std::sync::atomic::AtomicU64,
}

impl Counters {
    /// How many sign-ins were read from the database so far.
    pub fn sign_in_reads(&self) -> u64 {
        self.sign_in_reads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts one more of `counter`.
    pub fn add(counter: &std::sync::atomic::AtomicU64) {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The address a request came from: the peer's, or, when the peer is one of
/// the trusted proxies, the client's that the proxy reported. The edge puts it
/// in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

impl AppState {
    /// The current time, as seconds since the Unix epoch.
    pub fn now_unix(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }
}

/// The state of the request being served, from the Leptos context.
#[track_caller]
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    let caller = std::panic::Location::caller();
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!(%caller, "AppState missing from the request context");
        crate::error::AppError::Internal
    })
}
