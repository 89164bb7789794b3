//! The client's address, for sign-in throttling. Without trusted proxies it is
//! the peer's address and `X-Forwarded-For` is never read; with them, and only
//! when the peer is one of them, it is the last address in `X-Forwarded-For`
//! that is not a trusted proxy (the one the outermost trusted proxy saw).

use app::state::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Reads `TRUSTED_PROXIES`: addresses or networks, separated by commas.
pub fn parse_trusted_proxies(value: &str) -> Result<Vec<IpNet>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<IpNet>()
                .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("TRUSTED_PROXIES: {v:?} is not an address or a network like 10.0.0.0/8")
                })
        })
        .collect()
}

/// The client's address, from the peer and the forwarded-for header.
pub fn client_of(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in header.rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            // A hop we cannot read: stop at the last address we could.
            Err(_) => return client,
        }
    }
    client
}

/// Puts the request's [`ClientAddress`] in its extensions.
pub async fn record(
    State(trusted): State<Arc<[IpNet]>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let forwarded = (!forwarded.is_empty()).then_some(forwarded.as_str());
        let client = client_of(peer.ip(), forwarded, &trusted);
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let none: Vec<IpNet> = vec![];
        let proxies = parse_trusted_proxies("10.0.0.0/8, 192.0.2.1").unwrap();
        // No trusted proxies: the header is never read.
        assert_eq!(
            client_of(ip("10.1.1.1"), Some("203.0.113.9"), &none),
            ip("10.1.1.1")
        );
        // A peer that is not a proxy cannot choose its address.
        assert_eq!(
            client_of(ip("198.51.100.7"), Some("203.0.113.9"), &proxies),
            ip("198.51.100.7")
        );
        // Through a trusted proxy: the address it saw.
        assert_eq!(
            client_of(ip("192.0.2.1"), Some("203.0.113.9"), &proxies),
            ip("203.0.113.9")
        );
        // A client that sends its own header cannot hide behind it.
        assert_eq!(
            client_of(
                ip("192.0.2.1"),
                Some("1.2.3.4, 203.0.113.9, 10.0.0.5"),
                &proxies
            ),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_of(ip("192.0.2.1"), Some("junk"), &proxies),
            ip("192.0.2.1")
        );
        assert_eq!(client_of(ip("192.0.2.1"), None, &proxies), ip("192.0.2.1"));
        assert!(parse_trusted_proxies("proxy.example").is_err());
    }
}
