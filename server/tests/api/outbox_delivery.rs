//! The outbox over real SMTP connections, under failure: a mail server that
//! refuses, drops the connection mid-message or stops answering; a portal
//! killed half-way through its email and started again; two instances draining
//! one PostgreSQL outbox. Messages are compared by Message-ID at the listener.

use crate::activation::{order, setup};
use crate::both_backends;
use crate::helpers::{spawn_app, Backend};
use app::mail::sending::send_due;
use app::state::Clock;
use server::smtp::SmtpMailer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the listener treats the next messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Accept,
    /// 451 to the recipient (and so to DATA): refused for now.
    Refuse,
    /// Reads the start of the message, then closes the connection.
    CloseMidMessage,
    /// Reads the whole message and never answers.
    Silent,
    /// Accepts each message after 20 ms.
    Slow,
}

/// An SMTP listener that offers PIPELINING and keeps the Message-ID of every
/// message it accepted, in order, duplicates included.
#[derive(Clone)]
struct Listener {
    port: u16,
    accepted: Arc<Mutex<Vec<String>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl Listener {
    async fn start() -> Self {
        let socket = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let l = Listener {
            port: socket.local_addr().unwrap().port(),
            accepted: Arc::default(),
            behaviour: Arc::new(Mutex::new(Behaviour::Accept)),
        };
        let shared = l.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = socket.accept().await {
                tokio::spawn(shared.clone().serve(stream));
            }
        });
        l
    }

    fn set(&self, b: Behaviour) {
        *self.behaviour.lock().unwrap() = b;
    }

    fn accepted(&self) -> Vec<String> {
        self.accepted.lock().unwrap().clone()
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    async fn serve(self, stream: tokio::net::TcpStream) {
        stream.set_nodelay(true).ok();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 listener ESMTP\r\n").await.ok();
        let mut data: Option<(Option<String>, usize)> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            let behaviour = *self.behaviour.lock().unwrap();
            if let Some((id, read)) = data.as_mut() {
                *read += 1;
                if behaviour == Behaviour::CloseMidMessage && *read > 3 {
                    return;
                }
                if let Some(value) = line
                    .strip_prefix("Message-ID:")
                    .or(line.strip_prefix("Message-Id:"))
                {
                    *id = Some(value.trim().to_string());
                }
                if line == "." {
                    let (id, _) = data.take().unwrap();
                    if behaviour == Behaviour::Silent {
                        continue;
                    }
                    if behaviour == Behaviour::Slow {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    self.accepted.lock().unwrap().push(id.unwrap_or_default());
                    write.write_all(b"250 queued\r\n").await.ok();
                }
                continue;
            }
            let verb = line.to_ascii_uppercase();
            let reply: &[u8] = if verb.starts_with("EHLO") {
                b"250-listener\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
            } else if verb.starts_with("RCPT") && behaviour == Behaviour::Refuse {
                b"451 4.3.0 mailbox busy, try again later\r\n"
            } else if verb.starts_with("DATA") && behaviour == Behaviour::Refuse {
                b"451 4.5.1 no valid recipients\r\n"
            } else if verb.starts_with("DATA") {
                data = Some((None, 0));
                b"354 go on\r\n"
            } else if verb.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.ok();
                return;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.ok();
        }
    }
}

fn mailer(l: &Listener) -> SmtpMailer {
    SmtpMailer::from_url(&l.url(), "Volume Licensing <no-reply@licensing.example>")
        .unwrap()
        .with_timeout(Duration::from_millis(400))
}

/// Message-IDs received more than once, with their counts.
fn repeated(ids: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for id in ids {
        *counts.entry(id.clone()).or_insert(0) += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}

async fn a_failing_mail_server_gets_the_message_again_with_backoff_and_the_timeline_shows_each_try(
    backend: Backend,
) {
    let (app, f) = setup(backend).await;
    order(&app, &f.own, &["M365-E3"], 0, "failing-server").await;
    app::activation::engine::decide_pending(&app.db, &app.state.link_keys, app.clock.now(), 10)
        .await
        .unwrap();
    let listener = Listener::start().await;
    let mailer = mailer(&listener);
    let send = || {
        send_due(
            &app.db,
            &mailer,
            &app.state.link_keys,
            "http://portal.test",
            app.clock.now(),
            10,
        )
    };
    for (try_number, behaviour) in [
        Behaviour::Refuse,
        Behaviour::CloseMidMessage,
        Behaviour::Silent,
    ]
    .into_iter()
    .enumerate()
    {
        listener.set(behaviour);
        assert_eq!(send().await.unwrap(), 0, "{behaviour:?}");
        let (status, attempts, next): (String, i64, i64) =
            sqlx::query_as("SELECT status, attempts, next_attempt_at FROM outbox")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(
            (status.as_str(), attempts),
            ("queued", try_number as i64 + 1)
        );
        let backoff = app.state.now_unix() + app::mail::backoff_seconds(attempts);
        assert!(
            (backoff..backoff + 5).contains(&next),
            "the next try waits its backoff: {next} for {backoff}"
        );
        assert_eq!(send().await.unwrap(), 0, "not due again before the backoff");
        app.clock.advance(Duration::from_secs(3600));
    }
    listener.set(Behaviour::Accept);
    assert_eq!(send().await.unwrap(), 1);
    let message_id: String = sqlx::query_scalar("SELECT message_id FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        listener.accepted(),
        vec![message_id],
        "accepted once, none lost"
    );
    let kinds: Vec<(i64, String)> =
        sqlx::query_as("SELECT attempt, kind FROM delivery_failures ORDER BY attempt")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        kinds,
        [
            (1, "refused".to_string()),
            (2, "unreachable".to_string()),
            (3, "timed_out".to_string())
        ]
    );

    let d = crate::activation::diagnosed_by_support(&app).await;
    let events: Vec<&str> = d.timeline.iter().map(|t| t.event.as_str()).collect();
    for expected in [
        "Try 1 to",
        "failed: the mail server refused it",
        "Try 2 to",
        "failed: the mail server could not be reached or dropped the connection",
        "Try 3 to",
        "failed: the mail server did not answer in time",
        "on try 4; accepted by the mail server.",
    ] {
        assert!(
            events.iter().any(|e| e.contains(expected)),
            "{expected:?} in {events:#?}"
        );
    }
}

/// Generated enrollments, each with an OSM and one first online order,
/// decided: `n` messages minus the cancelled reservations wait in the outbox,
/// all due now. Returns how many.
async fn queued_messages(app: &crate::helpers::TestApp, n: i64) -> i64 {
    server::tools::large_data::generate(
        &app.db,
        server::tools::large_data::Volume {
            organisations: 20,
            enrollments: n,
            reservations: n,
        },
    )
    .await
    .unwrap();
    server::tools::large_data::queue_for_activation(&app.db, n)
        .await
        .unwrap();
    app::activation::engine::decide_pending(&app.db, &app.state.link_keys, app.clock.now(), n)
        .await
        .unwrap();
    // Future usage start dates would hold some back (R11e); here all are due.
    for all_due in [
        "UPDATE outbox SET not_before = 0, next_attempt_at = 0",
        "UPDATE outbox_queue SET next_attempt_at = 0",
    ] {
        sqlx::query(all_due).execute(app.db.pool()).await.unwrap();
    }
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn message_ids(app: &crate::helpers::TestApp) -> Vec<String> {
    let mut ids: Vec<String> = sqlx::query_scalar("SELECT message_id FROM outbox")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgresql_send_each_of_10000_messages_once() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let total = queued_messages(&app, 10_000).await;
    assert!(total > 9_000, "{total}");
    let listener = Listener::start().await;
    // The second instance: its own pool and its own SMTP connections.
    let other = app::db::Db::connect(&app.database_url).await.unwrap();
    let (a, b) = (mailer(&listener), mailer(&listener));
    let now = app.clock.now();
    let keys = &app.state.link_keys;
    let (x, y) = tokio::join!(
        send_due(&app.db, &a, keys, "http://portal.test", now, 20_000),
        send_due(&other, &b, keys, "http://portal.test", now, 20_000)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x > 0 && y > 0, "both instances sent: {x} and {y}");
    assert_eq!((x + y) as i64, total);
    let mut accepted = listener.accepted();
    assert_eq!(repeated(&accepted), HashMap::new(), "no message twice");
    accepted.sort();
    assert_eq!(
        accepted,
        message_ids(&app).await,
        "every message, by Message-ID"
    );
}

/// Starts the portal binary on the test's database, sending to `listener`.
fn portal_process(app: &crate::helpers::TestApp, listener: &Listener) -> std::process::Child {
    portal_command(app, listener).spawn().unwrap()
}

fn portal_command(app: &crate::helpers::TestApp, listener: &Listener) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("SMTP_URL", listener.url())
        .env("OUTBOX_LEASE", "2s")
        .env(
            "ACTIVATION_LINK_KEYS",
            app.state.link_keys.to_lines().trim().replace('\n', ","),
        )
        .env("PORTAL_ENV", "demo")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

async fn wait_until(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    for _ in 0..seconds * 20 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn a_portal_killed_half_way_through_its_email_sends_every_message_after_a_restart(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let total = queued_messages(&app, 3_000).await as usize;
    let listener = Listener::start().await;
    let mut portal = portal_process(&app, &listener);
    wait_until("half the messages arrived", 120, || {
        listener.accepted().len() >= total / 2
    })
    .await;
    portal.kill().unwrap(); // SIGKILL: no chance to mark anything
    portal.wait().unwrap();
    let at_kill = listener.accepted().len();
    assert!(
        at_kill < total,
        "killed before the end ({at_kill} of {total})"
    );

    let mut restarted = portal_process(&app, &listener);
    let ids = message_ids(&app).await;
    let all_arrived = || {
        let mut seen = listener.accepted();
        seen.sort();
        seen.dedup();
        seen == ids
    };
    wait_until("every message arrived", 120, all_arrived).await;
    for _ in 0..200 {
        let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    restarted.kill().unwrap();
    restarted.wait().unwrap();

    let accepted = listener.accepted();
    let again = repeated(&accepted);
    // A message the server accepted but the killed portal had not yet marked
    // is sent again, with the same Message-ID; only those can repeat, and no
    // more than the outbox lets be between their claim and their mark.
    let unmarked = app::mail::sending::UNMARKED_AT_MOST;
    assert!(
        again.values().all(|n| *n == 2) && again.len() <= unmarked,
        "{} messages repeated (at most {unmarked} may be): {again:?}",
        again.len()
    );
    let status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(status, [("sent".to_string(), total as i64)]);
    println!(
        "{total} messages; {at_kill} accepted before the kill; {} sent again after it, each with its Message-ID",
        again.len()
    );
}

/// Asks a process to stop, as a service manager does (SIGTERM).
pub(crate) fn terminate(process: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &process.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn a_portal_told_to_stop_finishes_the_email_round_it_is_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let total = queued_messages(&app, 300).await as usize;
    let listener = Listener::start().await;
    listener.set(Behaviour::Slow);
    let mut portal = portal_process(&app, &listener);
    wait_until("the first message arrived", 60, || {
        !listener.accepted().is_empty()
    })
    .await;
    terminate(&portal);
    let exit = tokio::task::spawn_blocking(move || portal.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "a stop is not a failure: {exit}");
    let accepted = listener.accepted();
    let status: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let sent = status
        .iter()
        .find(|(s, _)| s == "sent")
        .map_or(0, |(_, n)| *n);
    assert!(
        status.iter().all(|(s, _)| s != "sending"),
        "no message is left claimed: {status:?}"
    );
    assert_eq!(repeated(&accepted), HashMap::new(), "no message twice");
    assert_eq!(
        sent as usize,
        accepted.len(),
        "every message accepted is marked sent"
    );
    println!("{total} messages queued; {sent} sent and marked before the portal stopped");
}

both_backends!(
    a_portal_told_to_stop_finishes_the_email_round_it_is_in,
    a_failing_mail_server_gets_the_message_again_with_backoff_and_the_timeline_shows_each_try,
    a_portal_killed_half_way_through_its_email_sends_every_message_after_a_restart,
);
