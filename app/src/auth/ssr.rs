//! Server side of sign-in: passwords, sessions and throttling.

use super::{safe_next_path, CurrentUser};
use crate::auth::security_log::{log_now, Action};
use crate::db::Db;
use crate::domain::{EmailAddress, OrganisationId, Role, UserId};
use crate::error::AppError;
use crate::state::{app_state, AppState};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use leptos::prelude::use_context;
use std::sync::Arc;
use tower_sessions::Session;

/// The session record's key for the sign-in (a `user_sessions` row).
const SIGN_IN: &str = "sign_in";
const LAST_SEEN: &str = "last_seen";

fn argon2() -> Argon2<'static> {
    // OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id. CPU-heavy: call it off the async workers.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing does not fail on valid parameters")
        .to_string()
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Password hashing (argon2id) runs on one thread of its own at the lowest
/// priority: at most one core's worth at a time, and when the cores are busy
/// the pages come first. A burst of sign-ins queues here instead of stalling
/// every page.
mod hashing {
    use crate::error::AppError;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::sync::OnceLock;

    /// Whether the hashing thread yields to everything else (a serving portal;
    /// tests, which run many portals in one process, keep the usual priority).
    pub static YIELDING: AtomicBool = AtomicBool::new(false);

    type Job = Box<dyn FnOnce() + Send>;

    fn jobs() -> &'static mpsc::Sender<Job> {
        static JOBS: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
        JOBS.get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<Job>();
            let started = std::thread::Builder::new()
                .name("password-hashing".into())
                .spawn(move || {
                    use thread_priority::{set_current_thread_priority, ThreadPriority};
                    if YIELDING.load(Ordering::Relaxed) {
                        if let Err(e) = set_current_thread_priority(ThreadPriority::Min) {
                            tracing::warn!(error = ?e, "password hashing runs at normal priority");
                        }
                    }
                    for job in receiver {
                        // A job that panics loses its answer, not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "cannot start the password-hashing thread");
            }
            sender
        })
    }

    /// Runs `work` on the hashing thread and waits for its answer.
    pub async fn run<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        jobs()
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| AppError::Internal)?;
        answered.await.map_err(|_| {
            tracing::error!("password hashing gave no answer");
            AppError::Internal
        })
    }
}

/// Makes password hashing yield to the pages: call before the first hash.
pub fn hash_at_lowest_priority() {
    hashing::YIELDING.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Hashes a password on the hashing thread.
pub async fn hash_password_off_thread(password: String) -> Result<String, AppError> {
    hashing::run(move || hash_password(&password)).await
}

async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    AppError::Internal
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: UserId,
    email: String,
    display_name: String,
    role: String,
    organisation_id: OrganisationId,
    organisation_name: String,
    password_hash: String,
    totp_enabled_at: Option<i64>,
}

impl UserRow {
    fn into_current_user(self, demo_mailbox: bool) -> Result<CurrentUser, AppError> {
        let role = Role::parse(&self.role).map_err(|e| {
            tracing::error!(error = %e, user = %self.id, "bad role in database");
            AppError::Internal
        })?;
        Ok(CurrentUser {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            role,
            organisation_id: self.organisation_id,
            organisation_name: self.organisation_name,
            demo_mailbox: demo_mailbox && role.reads_the_demo_mailbox(),
        })
    }
}

const USER_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.role, u.organisation_id, \
     o.name AS organisation_name, u.password_hash, u.totp_enabled_at \
     FROM users u JOIN organisations o ON o.id = u.organisation_id \
     WHERE u.active = 1 AND ";

async fn active_user_by_email(state: &AppState, email: &str) -> Result<Option<UserRow>, AppError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{USER_SELECT} u.email = $1"))
            .bind(email)
            .fetch_optional(state.db.pool())
            .await?,
    )
}

#[derive(sqlx::FromRow)]
struct SignInRow {
    #[sqlx(flatten)]
    user: UserRow,
    started_at: i64,
    last_active_at: i64,
}

/// The signed-in user of this request, looked up once and shared by the
/// layout, the page and every server function the page calls. Each request
/// gets its own (the server provides a fresh one per request).
#[derive(Clone, Default)]
pub struct RequestSignIn(Arc<tokio::sync::Mutex<Option<SignedIn>>>);

/// A signed-in user and the id of their sign-in, or nobody.
type SignedIn = Option<(CurrentUser, i64)>;

impl RequestSignIn {
    /// Forgets what was looked up: the sign-in of this request just changed.
    async fn forget(&self) {
        *self.0.lock().await = None;
    }
}

async fn forget_request_sign_in(memo: Option<RequestSignIn>) {
    if let Some(memo) = memo {
        memo.forget().await;
    }
}

/// The signed-in user of this request and the id of their sign-in, or `None`.
/// A sign-in ended elsewhere (signed out from another session, a password
/// change or reset, a deactivation) or past its absolute lifetime is ended
/// here: one query per request, so it holds on every portal instance at once.
pub async fn current_sign_in() -> Result<Option<(CurrentUser, i64)>, AppError> {
    // Context first, before any await.
    let memo = use_context::<RequestSignIn>();
    let state = app_state()?;
    let session = session().await?;
    let Some(memo) = memo else {
        return look_up_sign_in(&state, &session).await;
    };
    let mut known = memo.0.lock().await;
    if let Some(found) = known.as_ref() {
        return Ok(found.clone());
    }
    let found = look_up_sign_in(&state, &session).await?;
    *known = Some(found.clone());
    Ok(found)
}

async fn look_up_sign_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<(CurrentUser, i64)>, AppError> {
    let Some(sign_in) = session.get::<i64>(SIGN_IN).await.map_err(session_error)? else {
        return Ok(None);
    };
    state
        .counters
        .sign_in_reads
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let row = read_sign_in(&state.db, sign_in).await?;
    let now = state.now_unix();
    let lifetime = state.session_absolute_lifetime.as_secs() as i64;
    match row {
        Some(row) if now - row.started_at < lifetime => {
            crate::auth::sessions::touch(&state.db, sign_in, row.last_active_at, now).await?;
            keep_alive(state, session).await?;
            Ok(Some((
                row.user.into_current_user(state.demo_mailbox)?,
                sign_in,
            )))
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// The sign-in `sign_in` with its user, while it is open and the user active:
/// the one query every signed-in request makes.
async fn read_sign_in(db: &Db, sign_in: i64) -> Result<Option<SignInRow>, AppError> {
    Ok(sqlx::query_as::<_, SignInRow>(
        "SELECT u.id, u.email, u.display_name, u.role, u.organisation_id, o.name AS organisation_name, \
         u.password_hash, u.totp_enabled_at, s.started_at, s.last_active_at \
         FROM user_sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id \
         WHERE s.id = $1 AND s.ended_at IS NULL AND u.active = 1",
    )
    .bind(sign_in)
    .fetch_optional(db.pool())
    .await?)
}

/// The user of the open sign-in `sign_in`, read with the query every signed-in
/// request makes (without the lifetime check or the activity stamp): the
/// benchmarks measure that query on its own.
pub async fn user_of_sign_in(db: &Db, sign_in: i64) -> Result<Option<CurrentUser>, AppError> {
    read_sign_in(db, sign_in)
        .await?
        .map(|row| row.user.into_current_user(false))
        .transpose()
}

/// The signed-in user of `session`, for handlers outside the pages' context
/// (the CSV downloads): the same checks as every page's.
pub async fn user_of_session(
    state: &AppState,
    session: &Session,
) -> Result<Option<CurrentUser>, AppError> {
    Ok(look_up_sign_in(state, session).await?.map(|(user, _)| user))
}

/// The signed-in user of this request, or `None`.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(current_sign_in().await?.map(|(user, _)| user))
}

/// Pushes the idle expiry forward. The session is written at most every quarter
/// of the idle timeout (and at least every minute), not on every request.
async fn keep_alive(state: &AppState, session: &Session) -> Result<(), AppError> {
    // Session expiry is wall-clock time in the store, so this uses the real clock.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let every = (state.session_idle_timeout.as_secs() as i64 / 4).clamp(1, 60);
    let last_seen = session
        .get::<i64>(LAST_SEEN)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - last_seen >= every {
        session
            .insert(LAST_SEEN, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The signed-in user, or `Unauthenticated`. Every server function that needs a
/// user starts here.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthenticated)
}

/// The request's state and its signed-in user, or `Unauthenticated`. Server
/// functions start here; the state is taken before the first await, while the
/// request's context is certainly in place.
pub async fn signed_in() -> Result<(AppState, CurrentUser), AppError> {
    let state = app_state()?;
    let user = require_user().await?;
    Ok((state, user))
}

/// Where sign-in attempts come from, for throttling: the address the edge
/// worked out (see `ClientAddress`).
pub(crate) fn client_address() -> String {
    use crate::state::ClientAddress;
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().copied())
        .map(|ClientAddress(ip)| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn recent_failures(state: &AppState, key: &str) -> Result<i64, AppError> {
    let since = state.now_unix() - state.sign_in_limits.window.as_secs() as i64;
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sign_in_failures WHERE throttle_key = $1 AND failed_at > $2",
    )
    .bind(key)
    .bind(since)
    .fetch_one(state.db.pool())
    .await?)
}

/// What failed attempts are counted against: the account, and the address
/// the request comes from.
pub(crate) fn throttle_keys(email: &str) -> [String; 2] {
    [
        format!("account:{email}"),
        format!("address:{}", client_address()),
    ]
}

/// Whether any of `keys` (an account, an address) has had too many failures
/// in the window.
pub(crate) async fn is_throttled(state: &AppState, keys: &[&str]) -> Result<bool, AppError> {
    let limit = i64::from(state.sign_in_limits.max_failures);
    for key in keys {
        if recent_failures(state, key).await? >= limit {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records a failed attempt against each of `keys`.
pub(crate) async fn record_failure(state: &AppState, keys: &[&str]) -> Result<(), AppError> {
    let now = state.now_unix();
    let expired = now - state.sign_in_limits.window.as_secs() as i64;
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
        .bind(expired)
        .execute(&mut *tx)
        .await?;
    for key in keys {
        sqlx::query("INSERT INTO sign_in_failures (throttle_key, failed_at) VALUES ($1, $2)")
            .bind(*key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Checks the credentials and starts a new session, with a new session id.
pub async fn sign_in(email: &str, password: &str, next: Option<&str>) -> Result<(), AppError> {
    let state = app_state()?;
    let email = EmailAddress::parse(email).map_err(|m| AppError::invalid("email", m))?;
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let [account_key, address_key] = throttle_keys(email.as_str());
    let user = active_user_by_email(&state, email.as_str()).await?;
    if is_throttled(&state, &[&account_key, &address_key]).await? {
        if let Some(user) = &user {
            log_now(&state, &user_ref(user), Action::SignInThrottled, None).await?;
        }
        return Err(AppError::TooManyAttempts);
    }
    // An unknown email is checked against a decoy hash so both answers take as long.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.decoy_password_hash.to_string());
    let matches = verify_password_off_thread(password.to_owned(), hash).await?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        (user, _) => {
            crate::state::Counters::add(&state.counters.password_failures);
            record_failure(&state, &[&account_key, &address_key]).await?;
            if let Some(user) = &user {
                log_now(
                    &state,
                    &user_ref(user),
                    Action::SignInFailed,
                    Some("wrong password".into()),
                )
                .await?;
            }
            return Err(AppError::BadCredentials);
        }
    };

    sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
        .bind(&account_key)
        .execute(state.db.writer())
        .await?;
    let next = safe_next_path(next);
    let role = Role::parse(&user.role).map_err(|_| AppError::Internal)?;
    if user.totp_enabled_at.is_some() {
        begin_pending(&state, user.id, PendingStage::Code, next).await?;
        return crate::response::redirect("/sign-in/code");
    }
    if state.require_two_step && role.signs_in_in_two_steps() {
        begin_pending(&state, user.id, PendingStage::Enrol, next).await?;
        return crate::response::redirect("/two-step");
    }
    establish(&state, &user_ref(&user)).await?;
    crate::response::redirect(&next)?;
    Ok(())
}

/// After a person proved who they are by other means (an invitation link):
/// signs them in, or, when their role requires two-step sign-in, sends them
/// to set it up first. Redirects either way.
pub async fn sign_in_or_enrol(
    state: &AppState,
    person: &crate::auth::security_log::Person,
    role: Role,
    next: &str,
) -> Result<(), AppError> {
    if state.require_two_step && role.signs_in_in_two_steps() {
        begin_pending(state, person.id, PendingStage::Enrol, next.to_string()).await?;
        return crate::response::redirect("/two-step");
    }
    establish(state, person).await?;
    crate::response::redirect(next)
}

/// How long a sign-in may wait for its second step.
const PENDING_SECONDS: i64 = 600;
const PENDING: &str = "pending_sign_in";

/// What a sign-in that passed the password still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PendingStage {
    /// A code from the authenticator app, or a recovery code.
    Code,
    /// Setting up two-step sign-in, which the role requires.
    Enrol,
}

/// A sign-in that passed the password and waits for its second step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingSignIn {
    pub user_id: UserId,
    pub stage: PendingStage,
    pub since: i64,
    /// Where to go once signed in.
    pub next: String,
}

async fn begin_pending(
    state: &AppState,
    user_id: UserId,
    stage: PendingStage,
    next: String,
) -> Result<(), AppError> {
    let memo = use_context::<RequestSignIn>();
    let session = session().await?;
    forget_request_sign_in(memo).await;
    session.cycle_id().await.map_err(session_error)?;
    session.remove_value(SIGN_IN).await.map_err(session_error)?;
    let pending = PendingSignIn {
        user_id,
        stage,
        since: state.now_unix(),
        next,
    };
    session
        .insert(PENDING, pending)
        .await
        .map_err(session_error)?;
    Ok(())
}

/// The sign-in of this session waiting for its second step, if it has not
/// waited too long.
pub async fn pending_sign_in() -> Result<Option<PendingSignIn>, AppError> {
    let state = app_state()?;
    let session = session().await?;
    let pending = session
        .get::<PendingSignIn>(PENDING)
        .await
        .map_err(session_error)?;
    Ok(pending.filter(|p| state.now_unix() - p.since < PENDING_SECONDS))
}

/// The person of a pending sign-in, if they are still active.
pub async fn pending_person(
    state: &AppState,
    pending: &PendingSignIn,
) -> Result<Option<crate::auth::security_log::Person>, AppError> {
    Ok(
        sqlx::query_as::<_, UserRow>(&format!("{USER_SELECT} u.id = $1"))
            .bind(pending.user_id)
            .fetch_optional(state.db.pool())
            .await?
            .map(|u| user_ref(&u)),
    )
}

/// Completes a pending sign-in: the person is signed in.
pub async fn finish_pending(
    state: &AppState,
    person: &crate::auth::security_log::Person,
) -> Result<i64, AppError> {
    let session = session().await?;
    session.remove_value(PENDING).await.map_err(session_error)?;
    establish(state, person).await
}

/// A value kept in this session for the next page (a secret being set up,
/// recovery codes to show once).
pub async fn session_value<T: serde::de::DeserializeOwned>(
    key: &str,
) -> Result<Option<T>, AppError> {
    session().await?.get::<T>(key).await.map_err(session_error)
}

/// Keeps a value in this session.
pub async fn keep_in_session<T: serde::Serialize + Send + Sync>(
    key: &str,
    value: T,
) -> Result<(), AppError> {
    session()
        .await?
        .insert(key, value)
        .await
        .map_err(session_error)
}

/// Takes a value out of this session.
pub async fn take_from_session<T: serde::de::DeserializeOwned>(
    key: &str,
) -> Result<Option<T>, AppError> {
    session()
        .await?
        .remove::<T>(key)
        .await
        .map_err(session_error)
}

/// The person a security event is about.
pub(crate) fn user_ref(user: &UserRow) -> crate::auth::security_log::Person {
    crate::auth::security_log::Person {
        id: user.id,
        organisation_id: user.organisation_id,
        display_name: user.display_name.clone(),
        email: user.email.clone(),
    }
}

/// Signs `person` in on this request's session: a new session id (an id
/// planted before sign-in is worthless), a new sign-in row, a new
/// anti-forgery token, and the event in the audit trail.
pub(crate) async fn establish(
    state: &AppState,
    person: &crate::auth::security_log::Person,
) -> Result<i64, AppError> {
    let memo = use_context::<RequestSignIn>();
    let now = state.now_unix();
    let sign_in = crate::auth::sessions::start(&state.db, person.id, now).await?;
    let session = session().await?;
    forget_request_sign_in(memo).await;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SIGN_IN, sign_in)
        .await
        .map_err(session_error)?;
    session
        .insert(
            crate::ui::FORM_TOKEN_SESSION_KEY,
            crate::ui::new_form_token(),
        )
        .await
        .map_err(session_error)?;
    log_now(state, person, Action::SignedIn, None).await?;
    Ok(sign_in)
}

/// Verifies a password against a stored hash on the hashing thread.
pub(crate) async fn verify_password_off_thread(
    password: String,
    hash: String,
) -> Result<bool, AppError> {
    hashing::run(move || password_matches(&password, &hash)).await
}

/// Deletes the session on the server and sends the browser to the sign-in page.
pub async fn sign_out() -> Result<(), AppError> {
    let memo = use_context::<RequestSignIn>();
    let state = app_state()?;
    let session = session().await?;
    forget_request_sign_in(memo).await;
    if let Some(sign_in) = session.get::<i64>(SIGN_IN).await.map_err(session_error)? {
        sqlx::query(
            "UPDATE user_sessions SET ended_at = $1, ended_reason = 'signed out' WHERE id = $2 AND ended_at IS NULL",
        )
        .bind(state.now_unix())
        .bind(sign_in)
        .execute(state.db.writer())
        .await?;
    }
    session.flush().await.map_err(session_error)?;
    crate::response::redirect("/sign-in")?;
    Ok(())
}
