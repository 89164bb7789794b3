//! Starting a portal for one test, and talking to it as a browser would.

use app::db::Db;
use app::domain::{OrganisationKind, Role};
use app::people::ssr::{ensure_organisation, ensure_user, NewUser};
use app::state::{AppState, ManualClock};
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, REFERER, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};
use server::mailer::Mailer;
use server::{Application, Settings};
use std::sync::Arc;
use time::macros::datetime;
use tokio::sync::OnceCell;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `both_backends!(name);` makes
/// `name::sqlite` and `name::postgres` from `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::helpers::postgres_available().await {
                        super::$name($crate::helpers::Backend::Postgres).await
                    }
                }
            }
        )+
    };
}

const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_ADMIN_URL.to_string())
}

/// Whether PostgreSQL can be reached. Under CI an unreachable server fails the
/// test instead of skipping it.
pub async fn postgres_available() -> bool {
    static AVAILABLE: OnceCell<bool> = OnceCell::const_new();
    let ok = *AVAILABLE
        .get_or_init(|| async {
            sqlx::any::install_default_drivers();
            sqlx::AnyPool::connect(&postgres_admin_url()).await.is_ok()
        })
        .await;
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PostgreSQL at {} is unreachable and CI is set",
                postgres_admin_url()
            );
        }
        eprintln!(
            "skipped: PostgreSQL at {} is unreachable (set CI to make this fail)",
            postgres_admin_url()
        );
    }
    ok
}

fn unique_name() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("vlp_test_{n:016x}")
}

/// Removes what earlier runs left: the SQLite files and the PostgreSQL
/// databases of their tests. Runs once, before the first database is made.
async fn remove_earlier_test_databases(backend: Backend) {
    static SQLITE: OnceCell<()> = OnceCell::const_new();
    static POSTGRES: OnceCell<()> = OnceCell::const_new();
    match backend {
        Backend::Sqlite => {
            SQLITE
                .get_or_init(|| async {
                    let _ = std::fs::remove_dir_all(std::env::temp_dir().join("vl-portal-tests"));
                })
                .await;
        }
        Backend::Postgres => {
            POSTGRES
                .get_or_init(|| async {
                    let admin = sqlx::AnyPool::connect(&postgres_admin_url()).await.unwrap();
                    let old: Vec<String> = sqlx::query_scalar(
                        "SELECT datname::text FROM pg_database WHERE datname LIKE 'vlp\\_test\\_%'",
                    )
                    .fetch_all(&admin)
                    .await
                    .unwrap();
                    for name in old {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                    }
                    admin.close().await;
                })
                .await;
        }
    }
}

pub async fn fresh_database_url(backend: Backend) -> String {
    remove_earlier_test_databases(backend).await;
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("vl-portal-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!(
                "sqlite:{}",
                dir.join(format!("{}.db", unique_name())).display()
            )
        }
        Backend::Postgres => {
            let name = unique_name();
            let admin = sqlx::AnyPool::connect(&postgres_admin_url()).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            let base = postgres_admin_url();
            let (prefix, _) = base.rsplit_once('/').unwrap();
            format!("{prefix}/{name}")
        }
    }
}

/// The password of every user tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running portal and a browser-like client for it.
pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub state: AppState,
    pub mailer: Mailer,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub customer_id: i64,
    /// The port of the separate metrics address, when the test asked for one.
    pub metrics_port: Option<u16>,
    client: reqwest::Client,
}

/// Settings for a test portal: port 0 and a fresh database.
pub async fn test_settings(backend: Backend) -> Settings {
    let url = fresh_database_url(backend).await;
    let mut settings = Settings::from_lookup(|_| None).unwrap();
    settings.database_url = url;
    settings.listen_addr = "127.0.0.1:0".parse().unwrap();
    // Tests drive the activation workers themselves, one round at a time.
    settings.run_workers = false;
    // Users made by tests sign in with a password alone; the two-step tests
    // turn this back on.
    settings.require_two_step = false;
    // A link key of this test only, never a file.
    settings.activation_link_keys = Some(
        app::keys::link::LinkKeys::single(app::keys::link::LinkKey::generate("test")).to_lines(),
    );
    settings
}

/// Starts a portal with default settings.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts a portal after `adjust` has changed its settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(backend).await;
    adjust(&mut settings);
    let database_url = settings.database_url.clone();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-02 09:00 UTC)));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("portal starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port();
    let db = app.db().clone();
    let state = app.state().clone();
    let mailer = app.mailer().clone();
    tokio::spawn(app.run_until_stopped());
    let customer_id = ensure_organisation(&db, "Contoso Test", OrganisationKind::Customer)
        .await
        .unwrap();
    TestApp {
        address,
        database_url,
        state,
        mailer,
        db,
        clock,
        customer_id,
        metrics_port,
        // Like a current browser, every request says it comes from the portal's
        // own pages; the forgery tests use clients of their own.
        client: reqwest::Client::builder()
            .default_headers(
                [(
                    reqwest::header::HeaderName::from_static("sec-fetch-site"),
                    reqwest::header::HeaderValue::from_static("same-origin"),
                )]
                .into_iter()
                .collect(),
            )
            .redirect(redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

/// The session cookie a response set, as `name=value`.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vlp_session=") || v.starts_with("__Host-vlp_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The `Location` header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

impl TestApp {
    /// Another portal instance on the same database and clock, as behind a
    /// load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let mut settings = Settings::from_lookup(|_| None).unwrap();
        settings.database_url = self.database_url.clone();
        settings.listen_addr = "127.0.0.1:0".parse().unwrap();
        settings.run_workers = false;
        settings.require_two_step = self.state.require_two_step;
        settings.activation_link_keys = Some(self.state.link_keys.to_lines());
        let app = Application::build_with_clock(settings, self.clock.clone())
            .await
            .expect("second instance starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (db, state, mailer) = (app.db().clone(), app.state().clone(), app.mailer().clone());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            database_url: self.database_url.clone(),
            state,
            mailer,
            db,
            clock: self.clock.clone(),
            customer_id: self.customer_id,
            metrics_port: None,
            client: self.client.clone(),
        }
    }

    /// Creates an active user of the test customer with [`PASSWORD`].
    pub async fn create_user(&self, email: &str, role: Role) -> i64 {
        self.create_user_in(self.customer_id, email, role).await
    }

    /// One round of the activation workers: decide new orders, send what is due.
    pub async fn work(&self) -> (usize, usize) {
        server::workers::work_once(&self.state, &self.mailer)
            .await
            .unwrap()
    }

    /// Creates an organisation.
    pub async fn create_organisation(&self, name: &str, kind: OrganisationKind) -> i64 {
        ensure_organisation(&self.db, name, kind).await.unwrap()
    }

    /// Creates an active user of `organisation_id` with [`PASSWORD`].
    pub async fn create_user_in(&self, organisation_id: i64, email: &str, role: Role) -> i64 {
        ensure_user(
            &self.db,
            NewUser {
                organisation_id,
                email,
                display_name: "Test User",
                role,
                password: PASSWORD,
            },
        )
        .await
        .unwrap()
    }

    /// Calls the sign-in server function as the hydrated page does.
    pub async fn sign_in(&self, email: &str, password: &str, cookie: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(format!("{}/api/sign-in", self.address))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&[
                ("email", email),
                ("password", password),
                ("next", "/"),
            ]));
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }

    /// A sign-in with a wrong password, as relayed by a proxy for `client`.
    pub async fn sign_in_from(&self, email: &str, client: &str) -> Response {
        self.client
            .post(format!("{}/api/sign-in", self.address))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", client)
            .body(form(&[("email", email), ("password", "wrong password")]))
            .send()
            .await
            .unwrap()
    }

    /// Signs in and returns the session cookie.
    pub async fn signed_in(&self, email: &str) -> String {
        self.signed_in_with(email, PASSWORD).await
    }

    /// Signs in with `password` and returns the session cookie. A demo
    /// account with two-step sign-in gets its code computed from the README's
    /// secret; a code works once, so when this step's codes are used the
    /// clock moves on to the next step.
    pub async fn signed_in_with(&self, email: &str, password: &str) -> String {
        use app::state::Clock;
        let response = self.sign_in(email, password, None).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "sign-in of {email} failed"
        );
        let cookie = session_cookie(&response).expect("sign-in sets the session cookie");
        if location(&response) != "/sign-in/code" {
            return cookie;
        }
        let secret = server::seed::DEMO_TWO_STEP_SECRETS
            .iter()
            .find(|(demo, _)| *demo == email)
            .map(|(_, secret)| *secret)
            .unwrap_or_else(|| panic!("{email} asks for a code the tests do not know"));
        for _ in 0..3 {
            for ahead in [0, 30] {
                let at = self.clock.now().unix_timestamp() + ahead;
                let code = app::accounts::two_step::code_at(secret, at).unwrap();
                let answer = self
                    .call_with("/api/sign-in-code", &[("code", &code)], &cookie)
                    .await;
                if answer.status() == StatusCode::OK {
                    return session_cookie(&answer).expect("a new session id once signed in");
                }
            }
            self.clock.advance(std::time::Duration::from_secs(30));
        }
        panic!("the two-step sign-in of {email} failed")
    }

    /// Posts a form as a browser without JavaScript does.
    pub async fn post_form_without_js(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        referer: &str,
        cookie: Option<&str>,
    ) -> Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(REFERER, format!("{}{referer}", self.address))
            .body(form(fields));
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }

    /// Calls a server function with form arguments as the hydrated page does.
    pub async fn call_with(&self, path: &str, fields: &[(&str, &str)], cookie: &str) -> Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(COOKIE, cookie)
            .body(form(fields))
            .send()
            .await
            .unwrap()
    }

    /// Calls a server function without arguments as the hydrated page does.
    pub async fn call(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }

    /// The browser-like client, for requests the helpers do not make.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Loads a page.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut request = self
            .client
            .get(format!("{}{path}", self.address))
            .header(ACCEPT, "text/html");
        if let Some(c) = cookie {
            request = request.header(COOKIE, c);
        }
        request.send().await.unwrap()
    }
}

/// URL-encodes form fields.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
