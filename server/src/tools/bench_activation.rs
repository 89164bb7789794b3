//! The activation benchmark, on the large data set (`generate-large`): how long
//! the engine takes to decide a batch of new orders, how many emails a second
//! the outbox hands to an SMTP listener on loopback, and, as the ceiling in the
//! same run, how many a bare loop of raw SMTP connections sends to the same
//! listener (no database, messages made in advance). The two take turns for a
//! few rounds and the ratio is of their medians: on a shared machine one run of
//! the bare loop alone varies by a third. A last round sends through a mailer
//! that accepts everything at once, so only the outbox's claims, composing and
//! marks are left (not a ceiling: instant outcomes make the marks come in
//! smaller groups, which share SQLite's one writer with the claims). Two
//! floors end the run: the bare loop with each message first read from the
//! outbox, then also formatted by the mailer. No outbox can do less for a
//! message than the first, so its ratio to the bare loop bounds the portal's.

use super::bare_smtp::{bare_smtp, dot_stuffed, raw_connection, read_replies, smtp_sink};
use super::large_data::queue_for_activation;
use crate::config::Settings;
use crate::smtp::{SmtpMailer, CONNECTIONS};
use crate::startup::open_database;
use app::activation::engine::decide_pending;
use app::mail::sending::send_due;
use app::mail::{Deliver, DeliveryError, Outcome, OutgoingEmail};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use time::macros::datetime;
use tokio::io::AsyncWriteExt;

/// Decides `orders` queued orders, then sends up to `emails` messages over SMTP
/// and the same number by the bare loop, a few times, then `emails` more
/// through no mailer at all.
pub async fn run(settings: Settings, orders: i64, emails: usize) -> Result<(), String> {
    let db = open_database(&settings).await.map_err(|e| e.to_string())?;
    let queued = queue_for_activation(&db, orders)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "backend: {:?}; {queued} orders queued for the activation engine",
        db.backend()
    );

    // A key of this run only: the benchmark sends to a local listener.
    let keys = app::keys::link::LinkKeys::single(app::keys::link::LinkKey::generate("bench"));
    let now = datetime!(2026-11-28 12:00 UTC);
    let started = Instant::now();
    let mut decided = 0;
    loop {
        let n = decide_pending(&db, &keys, now, 5000)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        decided += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "decided {decided} orders in {seconds:.2} s ({:.0} orders/s)",
        decided as f64 / seconds
    );

    let count = Arc::new(AtomicUsize::new(0));
    let port = smtp_sink(count.clone()).await?;
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}"), &settings.mail_from)?;
    let later = datetime!(2027-06-01 00:00 UTC);
    // Rounds of the portal and the bare loop, one after the other, so a
    // slower or faster spell of the machine weighs on both sides: the ratio
    // is of the medians.
    let (mut portal, mut bare) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let counted = count.load(Ordering::Relaxed);
        let started = Instant::now();
        // On a worker thread of the runtime, as the portal's outbox worker runs.
        let sending = {
            let (db, mailer, keys) = (db.clone(), mailer.clone(), keys.clone());
            tokio::spawn(async move {
                send_due(&db, &mailer, &keys, "http://127.0.0.1:3000", later, emails).await
            })
        };
        let sent = sending
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        if sent == 0 {
            if round == 1 {
                return Err("no email was due: queue orders (and generate-large) first".into());
            }
            break;
        }
        let rate = sent as f64 / seconds;
        println!(
            "round {round}: portal sent {sent} emails over SMTP in {seconds:.2} s ({rate:.0} emails/s; the listener counted {})",
            count.load(Ordering::Relaxed) - counted
        );
        // The same message, as the portal put it on the wire, for the bare loop.
        let sample = sample_message(&db, &mailer, &keys).await?;
        let ceiling = bare_smtp(port, Arc::new(sample), sent).await?;
        println!("round {round}: bare SMTP loop ({CONNECTIONS} connections, pipelined): {ceiling:.0} emails/s");
        portal.push(rate);
        bare.push(ceiling);
        if sent < emails {
            break;
        }
    }
    let rounds = portal.len();
    // Each round's own ratio, against the bare loop run right after it: a
    // slow or fast spell of the machine moves both sides of it.
    let mut paired: Vec<f64> = portal.iter().zip(&bare).map(|(p, b)| p / b).collect();
    let (portal, bare) = (median(&mut portal), median(&mut bare));
    println!(
        "median of {rounds} rounds: portal {portal:.0} emails/s, bare SMTP loop {bare:.0} emails/s; portal/bare = {:.2} \
         (median of each round's own ratio: {:.2})",
        portal / bare,
        median(&mut paired)
    );

    // The outbox's own work: claims, composing and marks, with every message
    // accepted at once and nothing on the wire.
    let (sent, seconds) = timed_round(&db, &NoDelivery, &keys, later, emails).await?;
    if sent > 0 {
        let alone = sent as f64 / seconds;
        println!(
            "the outbox alone (no SMTP, every message accepted at once): {sent} in {seconds:.2} s, \
             {alone:.0} emails/s; outbox alone/bare = {:.2}",
            alone / bare
        );
    } else {
        println!("the outbox alone: not measured (the queue is empty; queue more orders)");
    }

    // Floors: the bare loop again, but with each message first read from the
    // outbox (the columns a claim returns, 250 at a time, by id, nothing
    // written), then also formatted by the mailer. Any outbox must do at least
    // this much for each message, so these bound what it can reach.
    let sample = Arc::new(sample_message(&db, &mailer, &keys).await?);
    let body = Arc::new(activation_body(&keys, 1));
    let (mut read, mut formatted, mut ceilings) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        read.push(
            read_and_send(&db, port, &mailer, Sending::Sample(sample.clone()), emails).await?,
        );
        formatted.push(
            read_and_send(&db, port, &mailer, Sending::Formatted(body.clone()), emails).await?,
        );
        ceilings.push(bare_smtp(port, sample.clone(), emails).await?);
    }
    let (read, formatted, ceiling) = (
        median(&mut read),
        median(&mut formatted),
        median(&mut ceilings),
    );
    println!(
        "floor: the bare loop, each message read from the outbox first: {read:.0} emails/s; \
         /bare = {:.2}",
        read / ceiling
    );
    println!(
        "floor: read, then formatted as the mailer does: {formatted:.0} emails/s; /bare = {:.2} \
         (bare loop in these rounds: {ceiling:.0} emails/s; medians of {ROUNDS})",
        formatted / ceiling
    );

    // The configured mail server, when SMTP_URL names one (with its TLS and
    // credentials), through the portal's own mailer.
    if let Some(configured) = SmtpMailer::from_settings(&settings)? {
        let (sent, seconds) = timed_round(&db, &configured, &keys, later, emails).await?;
        println!(
            "the configured mail server ({}): portal sent {sent} emails in {seconds:.2} s \
             ({:.0} emails/s)",
            configured.describe(),
            sent as f64 / seconds
        );
    }
    Ok(())
}

/// One outbox round of up to `emails` messages through `mailer`, in this
/// task: how many it sent and in how many seconds.
async fn timed_round(
    db: &app::db::Db,
    mailer: &impl Deliver,
    keys: &app::keys::link::LinkKeys,
    now: time::OffsetDateTime,
    emails: usize,
) -> Result<(usize, f64), String> {
    let started = Instant::now();
    let sent = send_due(db, mailer, keys, "http://127.0.0.1:3000", now, emails)
        .await
        .map_err(|e| e.to_string())?;
    Ok((sent, started.elapsed().as_secs_f64()))
}

/// What a floor's connections put on the wire for each message read.
#[derive(Clone)]
enum Sending {
    /// The same bytes as the bare loop.
    Sample(Arc<Vec<u8>>),
    /// This body, formatted for each message's recipient and Message-ID.
    Formatted(Arc<String>),
}

/// The columns a claim returns.
type MessageRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

/// A floor: a reader reads `messages` outbox rows, 250 at a time in id order
/// (round and round if the outbox holds fewer), and hands them, ten at a
/// time, to [`CONNECTIONS`] raw pipelined connections, which send each as
/// `sending` says. Nothing is written to the database. Returns emails/s.
async fn read_and_send(
    db: &app::db::Db,
    port: u16,
    mailer: &SmtpMailer,
    sending: Sending,
    messages: usize,
) -> Result<f64, String> {
    let (handfuls, received) = tokio::sync::mpsc::channel::<Vec<MessageRow>>(25);
    let received = Arc::new(tokio::sync::Mutex::new(received));
    let started = Instant::now();
    let reader = {
        let db = db.clone();
        async move {
            let (mut after, mut left) = (0i64, messages);
            while left > 0 {
                let rows: Vec<MessageRow> = sqlx::query_as(
                    "SELECT id, activation_id, invitation_id, password_reset_id, to_email, subject, \
                     template, message_id, attempts, notice_text, notice_path FROM outbox \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(left.min(250) as i64)
                .fetch_all(db.pool())
                .await
                .map_err(|e| e.to_string())?;
                let Some(last) = rows.last() else {
                    if after == 0 {
                        return Err("the outbox is empty".to_string());
                    }
                    after = 0;
                    continue;
                };
                after = last.0;
                left -= rows.len();
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let handful: Vec<MessageRow> = rows.by_ref().take(10).collect();
                    if handfuls.send(handful).await.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok::<(), String>(())
        }
    };
    let mut senders = Vec::new();
    for _ in 0..CONNECTIONS {
        let (received, sending, mailer) = (received.clone(), sending.clone(), mailer.clone());
        senders.push(tokio::spawn(async move {
            let mut s = raw_connection(port).await?;
            loop {
                let next = received.lock().await.recv().await;
                let Some(handful) = next else { break };
                for row in handful {
                    let (to, data) = match &sending {
                        Sending::Sample(data) => (row.4, data.clone()),
                        Sending::Formatted(body) => {
                            let html = app::mail::html::render(
                                &row.5,
                                body,
                                app::mail::html::Action::Activate,
                            );
                            let email = OutgoingEmail {
                                outbox_id: row.0,
                                to: row.4,
                                subject: row.5,
                                body: body.to_string(),
                                html,
                                message_id: row.7,
                            };
                            let data = mailer
                                .formatted(&email)
                                .map_err(|e| std::io::Error::other(e.to_string()))?;
                            (email.to, Arc::new(dot_stuffed(data)))
                        }
                    };
                    let envelope =
                        format!("MAIL FROM:<bench@bench.example> BODY=8BITMIME\r\nRCPT TO:<{to}>\r\nDATA\r\n");
                    s.get_mut().write_all(envelope.as_bytes()).await?;
                    read_replies(&mut s, 3).await?;
                    s.get_mut().write_all(&data).await?;
                    read_replies(&mut s, 1).await?;
                }
            }
            Ok::<_, std::io::Error>(())
        }));
    }
    let read = reader.await;
    for sender in senders {
        sender
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    read?;
    Ok(messages as f64 / started.elapsed().as_secs_f64())
}

/// A mailer that accepts every message at once and sends nothing: the
/// outbox's own cost, without SMTP.
struct NoDelivery;

impl Deliver for NoDelivery {
    async fn deliver(&self, _email: &OutgoingEmail) -> Result<(), DeliveryError> {
        Ok(())
    }

    async fn deliver_stream(
        &self,
        mut emails: tokio::sync::mpsc::Receiver<Vec<OutgoingEmail>>,
        outcomes: tokio::sync::mpsc::UnboundedSender<Vec<Outcome>>,
    ) {
        while let Some(handful) = emails.recv().await {
            let accepted = handful.iter().map(|e| (e.outbox_id, Ok(()))).collect();
            if outcomes.send(accepted).is_err() {
                break;
            }
        }
    }
}

/// Rounds of sending, each of the number of emails asked for, while the
/// queue lasts.
const ROUNDS: usize = 3;

fn median(rates: &mut [f64]) -> f64 {
    rates.sort_by(f64::total_cmp);
    match rates.len() {
        0 => 0.0,
        n if n.is_multiple_of(2) => (rates[n / 2 - 1] + rates[n / 2]) / 2.0,
        n => rates[n / 2],
    }
}

/// One message as the portal sends it: the last one sent, read back from the
/// outbox and formatted as the mailer does.
async fn sample_message(
    db: &app::db::Db,
    mailer: &SmtpMailer,
    keys: &app::keys::link::LinkKeys,
) -> Result<Vec<u8>, String> {
    let (to, subject, message_id, activation): (String, String, String, i64) = sqlx::query_as(
        "SELECT to_email, subject, message_id, activation_id FROM outbox \
         WHERE status = 'sent' AND activation_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .map_err(|e| e.to_string())?;
    let body = activation_body(keys, activation);
    let email = app::mail::OutgoingEmail {
        outbox_id: 0,
        to,
        html: app::mail::html::render(&subject, &body, app::mail::html::Action::Activate),
        subject,
        body,
        message_id,
    };
    mailer
        .formatted(&email)
        .map(dot_stuffed)
        .map_err(|e| e.to_string())
}

/// An activation email's body as the outbox composes it.
fn activation_body(keys: &app::keys::link::LinkKeys, activation: i64) -> String {
    let link = app::mail::sending::link_url("http://127.0.0.1:3000", keys.current(), activation, 1);
    app::activation::templates::body(
        app::activation::templates::Template::Ols,
        &app::activation::templates::EmailFacts {
            enrollment_number: "30000001",
            enrollment_name: "Generated enrollment 1",
            purchased: "Microsoft 365 E3 × 100",
            link: &link,
            expires_on: "1 June 2027",
        },
    )
}
