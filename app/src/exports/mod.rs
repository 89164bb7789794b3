//! CSV exports of what the pages list: an enrollment's License Summary and
//! orders, the reservations and the organisation's audit trail. Each export
//! is scoped exactly like its page (the same access checks, the same scope in
//! its queries) and streamed: rows are read a chunk at a time by key and sent
//! before the next chunk is read, so an export of a million rows holds one
//! chunk in memory. Server only.

mod audit_trail;
mod cells;
mod license_summary;
mod orders;
mod reservations;

pub use audit_trail::audit_trail;
pub use cells::{neutralised, write_rows};
pub use license_summary::license_summary;
pub use orders::orders;
pub use reservations::reservations;

use crate::error::AppError;
use futures::stream::{self, BoxStream, StreamExt};
use std::future::Future;

/// Rows read by one query of an export.
pub const CHUNK: i64 = 1_000;

/// An export ready to stream: its file name and its bytes, header row first.
pub struct Export {
    /// The name offered for the download, such as `reservations-2026-11-29.csv`.
    pub file_name: String,
    /// The CSV, a chunk of rows at a time.
    pub body: BoxStream<'static, Result<Vec<u8>, AppError>>,
}

/// One chunk of rows, and the key to read the next one after, if any.
pub(crate) struct Chunk {
    pub rows: Vec<Vec<String>>,
    pub next: Option<i64>,
}

/// An export of `header` then the chunks `read` returns, each read from the
/// key the one before gave (starting below `i64::MAX`), until a chunk names
/// no next key.
pub(crate) fn in_chunks<F, Fut>(
    file_name: String,
    header: &'static [&'static str],
    mut read: F,
) -> Export
where
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Chunk, AppError>> + Send + 'static,
{
    let header = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    let head = stream::once(async move { write_rows(&header) });
    let rows = stream::unfold(Some(i64::MAX), move |before| {
        let reading = before.map(&mut read);
        async move {
            match reading?.await {
                Ok(chunk) => {
                    let next = chunk.next;
                    Some((write_rows(&chunk.rows), next))
                }
                // The download ends there; the error is logged by the caller.
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    Export {
        file_name,
        // Fused: a body may be polled again after its end (compression does),
        // and the chunk reader must then keep saying it has ended.
        body: head.chain(rows).fuse().boxed(),
    }
}

/// The key to read after a chunk of `read` rows keyed up to `last`: none when
/// the chunk was not full.
pub(crate) fn next_key(read: usize, last: Option<i64>) -> Option<i64> {
    if read as i64 == CHUNK {
        last
    } else {
        None
    }
}
