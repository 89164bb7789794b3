//! The activation benchmark, on the large data set (`generate-large`): how long
//! the engine takes to decide a batch of new orders, how many emails a second
//! the outbox hands to an SMTP listener on loopback, and, as the ceiling in the
//! same run, how many a bare loop of raw SMTP connections sends to the same
//! listener (no database, messages made in advance). The two take turns for a
//! few rounds and the ratio is of their medians: on a shared machine one run of
//! the bare loop alone varies by a third. A last round sends through a mailer
//! that accepts everything at once, so only the outbox's claims, composing and
//! marks are left (not a ceiling: instant outcomes make the marks come in
//! smaller groups, which share SQLite's one writer with the claims).

use super::large_data::queue_for_activation;
use crate::config::Settings;
use crate::smtp::{SmtpMailer, CONNECTIONS};
use crate::startup::open_database;
use app::activation::engine::decide_pending;
use app::activation::outbox::{send_due, Deliver, Outcome, OutgoingEmail};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use time::macros::datetime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// An SMTP listener that accepts everything, offers PIPELINING and counts
/// messages.
async fn smtp_sink(count: Arc<AtomicUsize>) -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 sink\r\n").await;
                let mut in_data = false;
                let mut replies = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let text = line.trim_end();
                    if in_data {
                        if text == "." {
                            in_data = false;
                            count.fetch_add(1, Ordering::Relaxed);
                            replies.extend_from_slice(b"250 queued\r\n");
                        }
                    } else {
                        let verb = text.to_ascii_uppercase();
                        if verb.starts_with("EHLO") {
                            replies.extend_from_slice(
                                b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                            );
                        } else if verb.starts_with("DATA") {
                            in_data = true;
                            replies.extend_from_slice(b"354 go on\r\n");
                        } else if verb.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        } else {
                            replies.extend_from_slice(b"250 ok\r\n");
                        }
                    }
                    // Replies to a pipelined group leave together.
                    if lines.buffer().is_empty() && !replies.is_empty() {
                        if write.write_all(&replies).await.is_err() {
                            return;
                        }
                        replies.clear();
                    }
                }
            });
        }
    });
    Ok(port)
}

/// The ceiling: `messages` copies of `data` over [`CONNECTIONS`] raw
/// connections, pipelined, with nothing else to do. Returns emails/s.
async fn bare_smtp(port: u16, data: Arc<Vec<u8>>, messages: usize) -> Result<f64, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..CONNECTIONS {
        let (next, data) = (next.clone(), data.clone());
        senders.push(tokio::spawn(async move {
            let stream = TcpStream::connect(("127.0.0.1", port)).await?;
            stream.set_nodelay(true)?;
            let mut s = BufReader::new(stream);
            read_replies(&mut s, 1).await?; // greeting
            s.get_mut().write_all(b"EHLO bench.example\r\n").await?;
            read_replies(&mut s, 1).await?;
            while next.fetch_add(1, Ordering::Relaxed) < messages {
                s.get_mut()
                    .write_all(b"MAIL FROM:<bench@bench.example>\r\nRCPT TO:<osm@bench.example>\r\nDATA\r\n")
                    .await?;
                read_replies(&mut s, 3).await?;
                s.get_mut().write_all(&data).await?;
                read_replies(&mut s, 1).await?;
            }
            Ok::<_, std::io::Error>(())
        }));
    }
    for sender in senders {
        sender
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    }
    Ok(messages as f64 / started.elapsed().as_secs_f64())
}

/// Reads `n` whole replies (multi-line ones included).
async fn read_replies(s: &mut BufReader<TcpStream>, n: usize) -> std::io::Result<()> {
    let mut line = String::new();
    let mut done = 0;
    while done < n {
        line.clear();
        if s.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            done += 1;
        }
    }
    Ok(())
}

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
    let (portal, bare) = (median(&mut portal), median(&mut bare));
    println!(
        "median of {rounds} rounds: portal {portal:.0} emails/s, bare SMTP loop {bare:.0} emails/s; portal/bare = {:.2}",
        portal / bare
    );

    // The outbox's own work: claims, composing and marks, with every message
    // accepted at once and nothing on the wire.
    let started = Instant::now();
    let sent = send_due(
        &db,
        &NoDelivery,
        &keys,
        "http://127.0.0.1:3000",
        later,
        emails,
    )
    .await
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
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
    Ok(())
}

/// A mailer that accepts every message at once and sends nothing: the
/// outbox's own cost, without SMTP.
struct NoDelivery;

impl Deliver for NoDelivery {
    async fn deliver(&self, _email: &OutgoingEmail) -> Result<(), String> {
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
    let link =
        app::activation::outbox::link_url("http://127.0.0.1:3000", keys.current(), activation, 1);
    let body = app::activation::templates::body(
        app::activation::templates::Template::Ols,
        &app::activation::templates::EmailFacts {
            enrollment_number: "30000001",
            enrollment_name: "Generated enrollment 1",
            purchased: "Microsoft 365 E3 × 100",
            link: &link,
            expires_on: "1 June 2027",
        },
    );
    let email = app::activation::outbox::OutgoingEmail {
        outbox_id: 0,
        to,
        subject,
        body,
        message_id,
    };
    mailer.wire(&email).map(|(_, data)| data)
}
