//! The site's own files (`/pkg`: the island's WASM and JS, the style sheet) and
//! compression of everything else.
//!
//! A release build names each file after a hash of its content and writes a
//! Brotli and a gzip copy beside it (`cargo leptos build --release
//! --precompress`), so the static handler only picks a copy the browser
//! accepts and lets the browser keep it for a year. Pages and server-function
//! answers are compressed as they are sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::Response;
use axum::Router;
use std::sync::OnceLock;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// The file cargo-leptos writes beside the server binary with the hashes of
/// the site's files.
const HASH_FILE: &str = "hash.txt";

const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

fn hash_file() -> Option<std::path::PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
        .filter(|path| path.is_file())
}

/// Whether this build names its files after their content: the hash file is
/// beside the binary (a release build by cargo-leptos).
pub fn hashed_names() -> bool {
    hash_file().is_some()
}

/// The style sheet's address, for pages the server writes without Leptos
/// (the refusal page).
pub fn style_sheet() -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| {
        let hash = hash_file()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|hashes| {
                hashes.lines().find_map(|line| {
                    let (file, hash) = line.split_once(':')?;
                    (file.trim() == "css").then(|| hash.trim().to_string())
                })
            });
        match hash {
            Some(hash) => format!("/pkg/vl-portal.{hash}.css"),
            None => "/pkg/vl-portal.css".to_string(),
        }
    })
}

/// Serves `site_root/pkg`, choosing the precompressed copy the client
/// accepts. Hashed files may be kept for ever; unhashed ones (a debug build)
/// are revalidated. Only successful answers are marked cacheable.
pub fn router(site_root: &str, hashed: bool) -> Router {
    let cache = if hashed { FOREVER } else { REVALIDATE };
    let files = ServeDir::new(format!("{}/pkg", site_root.trim_end_matches('/')))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(map_response(move |mut response: Response| {
            let cache = cache.clone();
            async move {
                let status = response.status();
                if status.is_success() || status == StatusCode::NOT_MODIFIED {
                    response.headers_mut().insert(header::CACHE_CONTROL, cache);
                }
                response
            }
        }))
}

/// Compresses pages and server-function answers for clients that accept it
/// (Brotli, else gzip), at a level cheap enough to run on every answer.
/// Answers that already carry an encoding (the precompressed files) pass as
/// they are.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(4))
}

#[cfg(test)]
mod tests {
    use super::router;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    fn site() -> String {
        let dir = std::env::temp_dir()
            .join("vl-portal-tests")
            .join(format!("assets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::write(dir.join("pkg/vl-portal.0123abcd.js"), "js").unwrap();
        std::fs::write(dir.join("pkg/vl-portal.0123abcd.js.br"), "br").unwrap();
        dir.to_str().unwrap().to_string()
    }

    async fn get(hashed: bool, path: &str) -> axum::response::Response {
        router(&site(), hashed)
            .oneshot(
                Request::get(path)
                    .header(header::ACCEPT_ENCODING, "br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn hashed_files_are_kept_for_a_year() {
        let response = get(true, "/vl-portal.0123abcd.js").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    }

    #[tokio::test]
    async fn unhashed_files_and_missing_ones_are_not() {
        let response = get(false, "/vl-portal.0123abcd.js").await;
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        let missing = get(true, "/vl-portal.ffffffff.js").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.headers().get(header::CACHE_CONTROL).is_none());
    }
}
