//! The SMTP path, against a real SMTP listener on loopback.

use crate::both_backends;
use crate::helpers::{spawn_app_with, Backend};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A minimal SMTP server that offers 8BITMIME (or, with `eight_bit` false,
/// no extension): accepts every message and hands each one's `MAIL FROM`
/// line and raw text, a line apart, to the channel.
pub async fn smtp_sink(eight_bit: bool) -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                let mut mail_from = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buffer) = data.as_mut() {
                        if line == "." {
                            let text = data.take().unwrap();
                            tx.send(format!("{mail_from}\n{text}")).ok();
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            buffer.push_str(&line);
                            buffer.push('\n');
                        }
                        continue;
                    }
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        if eight_bit {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else {
                            b"250 sink\r\n"
                        }
                    } else if verb.starts_with("MAIL FROM") {
                        mail_from = line.clone();
                        b"250 ok\r\n"
                    } else if verb.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    } else if verb.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.ok();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (port, rx)
}

/// An order that sends an activation email through an SMTP server offering
/// 8BITMIME or not; what the server received, with its `MAIL FROM` line first.
async fn activation_email_over_smtp(
    backend: Backend,
    eight_bit: bool,
) -> (crate::helpers::TestApp, String) {
    let (port, mut received) = smtp_sink(eight_bit).await;
    let app = spawn_app_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let f = crate::fixture::fixture(&app).await;
    let today = app.clock.now_date();
    let product = app::orders::ssr::product_by_code(&app.db, "M365-E3", "product")
        .await
        .unwrap();
    app::orders::ssr::record(
        &app.db,
        app::orders::ssr::NewOrder {
            kind: app::orders::ssr::OrderKind::Order,
            enrollment: &f.own,
            purchase_date: today,
            usage_start_date: today,
            lines: vec![(product, app::domain::Quantity::parse("3").unwrap())],
            placed_by: None,
            placed_at: 0,
            request_key: "smtp-test-order-0001",
        },
    )
    .await
    .unwrap();
    assert_eq!(app.work().await, (1, 1));
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    (app, message)
}

async fn the_activation_email_goes_out_over_smtp_with_its_message_id(backend: Backend) {
    let (app, message) = activation_email_over_smtp(backend, true).await;
    let message_id: String = sqlx::query_scalar("SELECT message_id FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        message.contains("Subject: Sign in or register to start using your new subscription."),
        "{message}"
    );
    assert!(
        message.contains(&message_id),
        "the stable Message-ID is on the wire"
    );
    assert!(message.contains("osm@contoso.example"));
    let status: String = sqlx::query_scalar("SELECT status FROM outbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "sent");
    let demo: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM demo_mailbox")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        demo, 0,
        "with SMTP configured nothing goes to the demo mailbox"
    );
}

both_backends!(the_activation_email_goes_out_over_smtp_with_its_message_id);

/// The purchase line reads "Microsoft 365 E3 × 3": not ASCII. Whatever the
/// server offers, the body goes quoted-printable, which every server takes.
async fn a_body_that_is_not_ascii_goes_quoted_printable_to_any_server(backend: Backend) {
    for eight_bit in [true, false] {
        let (_app, message) = activation_email_over_smtp(backend, eight_bit).await;
        assert!(
            !message.lines().next().unwrap().contains("BODY="),
            "{message}"
        );
        assert!(
            message.contains("Content-Transfer-Encoding: quoted-printable"),
            "{message}"
        );
        assert!(message.contains("=C3=97 3"), "{message}");
    }
}

both_backends!(a_body_that_is_not_ascii_goes_quoted_printable_to_any_server);
