//! Builds the portal from its settings and serves it.

use crate::assets;
use crate::config::Settings;
use crate::edge::{self, EdgeSettings};
use crate::mailer::Mailer;
use crate::operations::{self, Metrics, Operations};
use crate::session_cache::CachedSessions;
use crate::smtp::SmtpMailer;
use crate::workers::{run_workers, Beats};
use app::db::{Backend, Db};
use app::mail::DemoMailbox;
use app::state::{AppState, Clock, SignInLimits, SystemClock};
use app::{shell, App};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_sessions::cookie::SameSite;
use tower_sessions::{session_store::ExpiredDeletion, Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// Why the portal could not start, in one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    Mail(String),
    #[error("{0}")]
    Keys(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How long a stopping portal waits for its workers to finish their rounds.
/// A batch cut off after that is sent again after its lease, with the same
/// Message-IDs.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A built portal, bound to its port, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    state: AppState,
    mailer: Mailer,
    workers: Option<(AppState, Mailer, Duration, Arc<Beats>)>,
    /// The separate metrics address, when there is one, and what it serves.
    metrics: Option<(TcpListener, Router)>,
}

/// Opens the database and applies the migrations, including the session table.
pub async fn open_database(settings: &Settings) -> Result<Db, StartupError> {
    let db = Db::connect(&settings.database_url)
        .await
        .map_err(StartupError::Database)?;
    db.migrate()
        .await
        .map_err(|e| StartupError::Database(format!("cannot migrate the database: {e}")))?;
    Ok(db)
}

impl Application {
    /// Builds the portal with the real clock.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Builds the portal with the given clock (tests move it).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let link_keys = crate::link_keys::load(&settings).map_err(StartupError::Keys)?;
        let db = open_database(&settings).await?;
        let decoy: Arc<str> =
            app::auth::ssr::hash_password_off_thread("decoy password, never valid".into())
                .await
                .map_err(|_| StartupError::Database("cannot prepare password hashing".into()))?
                .into();
        let state = AppState {
            db: db.clone(),
            clock,
            session_idle_timeout: settings.session_idle_timeout,
            session_absolute_lifetime: settings.session_absolute_lifetime,
            sign_in_limits: SignInLimits {
                max_failures: settings.sign_in_max_failures,
                window: Duration::from_secs(60),
            },
            public_url: settings.public_url.trim_end_matches('/').to_string(),
            propagation_delay: settings.propagation_delay,
            demo_mailbox: settings.smtp_url.is_none(),
            decoy_password_hash: decoy,
            link_keys: Arc::new(link_keys),
            require_two_step: settings.require_two_step,
            counters: Default::default(),
        };
        let mailer = match SmtpMailer::from_settings(&settings).map_err(StartupError::Mail)? {
            Some(smtp) => Mailer::Smtp(smtp),
            None => Mailer::Demo(DemoMailbox {
                db: db.clone(),
                clock: state.clock.clone(),
            }),
        };
        let beats = settings.run_workers.then(|| Arc::new(Beats::default()));
        let workers = beats
            .clone()
            .map(|beats| (state.clone(), mailer.clone(), settings.outbox_lease, beats));
        let ops = Operations {
            state: state.clone(),
            metrics: Arc::new(Metrics::new(state.counters.clone())),
            workers: beats,
            metrics_token: settings.metrics_token.as_deref().map(Arc::from),
        };
        let metrics = match settings.metrics_addr {
            None => None,
            Some(addr) => Some((
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartupError::Listen { addr, source })?,
                operations::metrics_routes(ops.clone()),
            )),
        };
        let router = match db.backend() {
            Backend::Sqlite => {
                let pool = session_store_pool(&settings.database_url)
                    .await
                    .map_err(|e| {
                        StartupError::Database(format!("cannot open the session store: {e}"))
                    })?;
                let store = SqliteStore::new(pool);
                store.migrate().await.map_err(|e| {
                    StartupError::Database(format!("cannot create the session table: {e}"))
                })?;
                portal_router(&settings, state.clone(), ops, store, None)
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&settings.database_url)
                    .await
                    .map_err(|e| {
                        StartupError::Database(format!("cannot open the session store: {e}"))
                    })?;
                let store = PostgresStore::new(pool.clone());
                store.migrate().await.map_err(|e| {
                    StartupError::Database(format!("cannot create the session table: {e}"))
                })?;
                portal_router(&settings, state.clone(), ops, store, Some(pool))
            }
        };
        let listener = TcpListener::bind(settings.listen_addr)
            .await
            .map_err(|source| StartupError::Listen {
                addr: settings.listen_addr,
                source,
            })?;
        Ok(Application {
            listener,
            router,
            db,
            state,
            mailer,
            workers,
            metrics,
        })
    }

    /// The port the portal listens on.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The portal's database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The state every request sees.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The port of the separate metrics address, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics
            .as_ref()
            .and_then(|(l, _)| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// Where this instance delivers email.
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Serves until the process receives Ctrl-C or SIGTERM; runs the activation
    /// workers too, unless they are switched off.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then stops gracefully: no new
    /// connection is taken, requests in flight are answered, and each worker
    /// finishes the round it is in (at most [`SHUTDOWN_GRACE`]).
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stopper, stopping) = watch::channel(false);
        let workers = self.workers.map(|(state, mailer, lease, beats)| {
            tokio::spawn(run_workers(
                state,
                mailer,
                Duration::from_millis(500),
                lease,
                beats,
                stopping.clone(),
            ))
        });
        if let Some((listener, router)) = self.metrics {
            let stopping = stopping.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(until_stopping(stopping))
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = %e, "the metrics address stopped");
                }
            });
        }
        // Answers leave at once: without TCP_NODELAY a body written after its
        // headers waits for the client's delayed acknowledgement (40 ms).
        let listener = self.listener.tap_io(|connection| {
            if let Err(e) = connection.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("stopping: answering the requests in flight");
            let _ = stopper.send(true);
        })
        .await;
        if let Some(workers) = workers {
            tracing::info!("stopping: the workers finish their rounds");
            if tokio::time::timeout(SHUTDOWN_GRACE, workers).await.is_err() {
                tracing::warn!("the workers did not finish in time; their batches are sent again after the lease");
            }
        }
        tracing::info!("stopped");
        served
    }
}

/// Completes when the portal is told to stop, or its stopper is gone.
async fn until_stopping(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// The session store's connections to the portal's SQLite file, set as the
/// portal's own are (`app::db`): write-ahead log, commits that wait for the
/// disk only at checkpoints, and a wait for the write lock rather than an
/// error. With the driver's defaults every new session (each first visit to
/// the sign-in page) waited for the disk while holding the write lock.
async fn session_store_pool(url: &str) -> Result<sqlx::SqlitePool, sqlx::Error> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = sqlite_url(url)
        .parse::<SqliteConnectOptions>()?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    sqlx::SqlitePool::connect_with(options).await
}

fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    }
}

fn portal_router<S>(
    settings: &Settings,
    state: AppState,
    ops: Operations,
    store: S,
    postgres: Option<sqlx::PgPool>,
) -> Router
where
    S: SessionStore + ExpiredDeletion + Clone,
{
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(Duration::from_secs(600)),
    );
    // Read from memory once seen; every instance is told of changes.
    let store = CachedSessions::new(store, postgres);
    let sessions = SessionManagerLayer::new(store)
        // Over https the cookie is bound to this host alone (`__Host-`: Secure,
        // path /, no Domain), so a sibling subdomain can neither read nor plant it.
        .with_name(if settings.secure_cookies() {
            "__Host-vlp_session"
        } else {
            "vlp_session"
        })
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            settings.session_idle_timeout.as_secs() as i64,
        )));

    let hashed = assets::hashed_names();
    let leptos_options = LeptosOptions::builder()
        .output_name("vl-portal")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.listen_addr)
        .hash_files(hashed)
        .build();
    let export_state = state.clone();
    let routes = generate_route_list(App);
    let context = move || {
        provide_context(state.clone());
        provide_context(app::auth::ssr::RequestSignIn::default());
        edge::provide_page_nonce();
    };
    let edge = EdgeSettings::new(
        &settings.public_url,
        settings.trusted_proxies.clone(),
        settings.request_timeout,
    );
    let router = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(leptos_options)
        .merge(crate::exports::routes(export_state.clone()))
        .merge(crate::mailbox::routes(export_state));
    let pages = edge::inside_sessions(router, &edge).layer(sessions);
    // The site's own files need no session: served before the session layer.
    let site = pages.nest_service("/pkg", assets::router(&settings.site_root, hashed));
    // Operators' endpoints need no session either.
    let metrics = ops.metrics.clone();
    let site = site
        .merge(operations::routes(ops))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            operations::metrics::count_requests,
        ));
    edge::around(site, &edge).layer(assets::compression())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
