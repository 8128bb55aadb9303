//! The HTTP listener: accepts connections and serves the router on each, with the limits
//! `axum::serve` does not offer.
//!
//! - A client has [`Edge::header_read_timeout`] to send a request's headers: a slow-header client
//!   (one byte a minute, "Slowloris"), or one that connects and sends nothing, is cut off instead of
//!   holding a connection for ever. The router's own timeout starts only once the headers are in.
//! - HTTP/1.1 only. The portal sits behind the bank's load balancer, which speaks HTTP/2 to
//!   browsers if it likes; and hyper's HTTP/1-or-2 detection reads a connection's first bytes with
//!   no timeout at all, so a client that sent nothing held its connection for ever.
//! - At most [`Edge::max_connections`] connections are open at once; further ones wait in the
//!   kernel's accept queue until one closes.
//! - Behind a load balancer, [`Edge::trusted_proxy_hops`] says how many proxies put their address
//!   in `X-Forwarded-For`: the client's address is then the entry that many places from the right
//!   (what a client writes further left is its own claim, and ignored). With 0 (the default) the
//!   header is ignored.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    pub trusted_proxy_hops: usize,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (the caller bounds how long).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    edge: Edge,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(edge.header_read_timeout);
    let open = Arc::new(Semaphore::new(edge.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let hops = edge.trusted_proxy_hops;
        let service = router.clone().map_request(move |mut request: axum::extract::Request<_>| {
            let client = client_address(peer, request.headers(), hops);
            request.extensions_mut().insert(ConnectInfo(client));
            request
        });
        let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The client's address: the peer's, or behind `hops` trusted proxies the `X-Forwarded-For` entry
/// the nearest proxy was given. A header with fewer entries than proxies was not written by them,
/// so the peer's address stands.
fn client_address(peer: SocketAddr, headers: &http::HeaderMap, hops: usize) -> SocketAddr {
    if hops == 0 {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    forwarded
        .len()
        .checked_sub(hops)
        .and_then(|i| forwarded.get(i))
        // Some proxies write the port too: "203.0.113.9:5678", "[2001:db8::1]:443".
        .and_then(|entry| {
            entry.parse::<IpAddr>().or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip())).ok()
        })
        .map_or(peer, |ip| SocketAddr::new(ip, 0))
}

/// The address a client is limited by: its IPv4 address, or its IPv6 /64. One IPv6 subscriber
/// holds a whole /64 and could otherwise take a new address, and a new bucket, per request.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64_and_a_mapped_ipv4_as_itself() {
        let key = |ip: &str| limit_key(ip.parse().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9");
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
    }

    #[test]
    fn only_the_entry_the_trusted_proxy_wrote_counts() {
        let peer: SocketAddr = "10.0.0.5:40000".parse().unwrap();
        let ip = |headers, hops| client_address(peer, &headers, hops).ip().to_string();
        // No proxy trusted: the header is anyone's claim.
        assert_eq!(ip(forwarded("203.0.113.9"), 0), "10.0.0.5");
        // One proxy: it appended the address it saw; what the client wrote before it is ignored.
        assert_eq!(ip(forwarded("1.1.1.1, 203.0.113.9"), 1), "203.0.113.9");
        assert_eq!(ip(forwarded("1.1.1.1, 203.0.113.9, 10.0.0.4"), 2), "203.0.113.9");
        assert_eq!(ip(forwarded("203.0.113.9:5678"), 1), "203.0.113.9");
        assert_eq!(ip(forwarded("[2001:db8::1]:443"), 1), "2001:db8::1");
        // Fewer entries than proxies, or garbage: the peer stands.
        assert_eq!(ip(forwarded("203.0.113.9"), 2), "10.0.0.5");
        assert_eq!(ip(forwarded("not-an-address"), 1), "10.0.0.5");
        assert_eq!(ip(http::HeaderMap::new(), 1), "10.0.0.5");
    }
}
