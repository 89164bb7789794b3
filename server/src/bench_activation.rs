//! The activation benchmark: how long the engine takes to decide a batch of new
//! orders, and how many emails a second the outbox worker hands to an SMTP
//! listener on loopback. Runs on the large data set (`generate-large`).

use crate::config::Settings;
use crate::mailer::SmtpMailer;
use crate::startup::open_database;
use app::activation::engine::decide_pending;
use app::activation::outbox::send_due;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use time::macros::datetime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// An SMTP listener that accepts everything and counts messages.
async fn smtp_sink(count: Arc<AtomicUsize>) -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink\r\n").await;
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    let reply: &[u8] = if in_data {
                        if line != "." {
                            continue;
                        }
                        in_data = false;
                        count.fetch_add(1, Ordering::Relaxed);
                        b"250 queued\r\n"
                    } else if line.to_ascii_uppercase().starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if line.to_ascii_uppercase().starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if line.to_ascii_uppercase().starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    Ok(port)
}

/// Decides `orders` queued orders, then sends up to `emails` messages over SMTP.
pub async fn run(settings: Settings, orders: i64, emails: usize) -> Result<(), String> {
    let db = open_database(&settings).await.map_err(|e| e.to_string())?;
    let err = |e: sqlx::Error| e.to_string();
    sqlx::query(
        "INSERT INTO enrollment_contacts (enrollment_id, contact_type, name, email, phone) \
         SELECT id, 'osm', 'Benchmark OSM', 'osm' || id || '@bench.example', '+1 425 555 0100' \
         FROM enrollments WHERE name LIKE 'Generated enrollment %' \
         ON CONFLICT (enrollment_id, contact_type) DO NOTHING",
    )
    .execute(db.pool())
    .await
    .map_err(err)?;
    let queued = sqlx::query(
        "INSERT INTO activation_queue (order_id, enqueued_at) \
         SELECT id, 0 FROM orders WHERE kind = 'reservation' AND status = 'placed' \
         AND id NOT IN (SELECT order_id FROM activation_queue) ORDER BY id LIMIT $1",
    )
    .bind(orders)
    .execute(db.pool())
    .await
    .map_err(err)?
    .rows_affected();
    println!(
        "backend: {:?}; {queued} orders queued for the activation engine",
        db.backend()
    );

    // A key of this run only: the benchmark sends to a local listener.
    let keys =
        app::activation::link::LinkKeys::single(app::activation::link::LinkKey::generate("bench"));
    let now = datetime!(2026-11-28 12:00 UTC);
    let started = Instant::now();
    let mut decided = 0;
    loop {
        let n = decide_pending(&db, &keys, now, 1000)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        decided += n;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "decided {decided} orders in {seconds:.1} s ({:.0} orders/s)",
        decided as f64 / seconds
    );

    let count = Arc::new(AtomicUsize::new(0));
    let port = smtp_sink(count.clone()).await?;
    let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}"), &settings.mail_from)?;
    let later = datetime!(2027-06-01 00:00 UTC);
    let started = Instant::now();
    let sent = send_due(&db, &mailer, &keys, "http://127.0.0.1:3000", later, emails)
        .await
        .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "sent {sent} emails over SMTP in {seconds:.1} s ({:.0} emails/s; the listener counted {})",
        sent as f64 / seconds,
        count.load(Ordering::Relaxed)
    );
    Ok(())
}
