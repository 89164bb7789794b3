//! The benchmarks' side of SMTP: a listener on loopback that accepts every
//! message (offering PIPELINING and 8BITMIME), and the bare loop of raw
//! pipelined connections that is the ceiling the outbox is measured against.

use crate::smtp::CONNECTIONS;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// An SMTP listener that accepts everything, offers PIPELINING and counts
/// messages.
pub(super) async fn smtp_sink(count: Arc<AtomicUsize>) -> Result<u16, String> {
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
pub(super) async fn bare_smtp(
    port: u16,
    data: Arc<Vec<u8>>,
    messages: usize,
) -> Result<f64, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..CONNECTIONS {
        let (next, data) = (next.clone(), data.clone());
        senders.push(tokio::spawn(async move {
            let mut s = raw_connection(port).await?;
            while next.fetch_add(1, Ordering::Relaxed) < messages {
                s.get_mut()
                    .write_all(b"MAIL FROM:<bench@bench.example> BODY=8BITMIME\r\nRCPT TO:<osm@bench.example>\r\nDATA\r\n")
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

/// A raw SMTP connection to the listener, with TCP_NODELAY, greeted and past
/// `EHLO`.
pub(super) async fn raw_connection(port: u16) -> std::io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let mut s = BufReader::new(stream);
    read_replies(&mut s, 1).await?; // greeting
    s.get_mut().write_all(b"EHLO bench.example\r\n").await?;
    read_replies(&mut s, 1).await?;
    Ok(s)
}

/// Reads `n` whole replies (multi-line ones included).
pub(super) async fn read_replies(s: &mut BufReader<TcpStream>, n: usize) -> std::io::Result<()> {
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

/// A message as it goes after `DATA`: `.` doubled at the start of a line
/// (RFC 5321 4.5.2), and the final `.`.
pub(super) fn dot_stuffed(message: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut line_start = true;
    for &b in &message {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}
