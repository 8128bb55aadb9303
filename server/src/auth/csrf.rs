//! Cross-site request protection for every state-changing request (server functions, forms,
//! logout): the browser must say the request comes from the portal's own origin.
//!
//! Browsers send `Origin` on every POST (form or fetch); when a privacy setting strips it they still
//! send `Sec-Fetch-Site`. A request carrying neither is refused too: SettleDesk has no clients
//! other than its own pages. This works together with `SameSite=Lax` session cookies.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The portal's origin, e.g. `https://settledesk.bank.example`.
#[derive(Clone)]
pub struct PortalOrigin(pub Arc<str>);

impl PortalOrigin {
    pub fn of(public_url: &str) -> Self {
        PortalOrigin(origin_of(public_url).into())
    }
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url[after_scheme..].find('/').map(|i| i + after_scheme).unwrap_or(url.len());
    &url[..end]
}

pub async fn refuse_cross_site(State(origin): State<PortalOrigin>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let same_origin = match headers.get(http::header::ORIGIN) {
        Some(value) => value.as_bytes() == origin.0.as_bytes(),
        None => headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin"),
    };
    if same_origin {
        return next.run(request).await;
    }
    tracing::warn!(
        origin = ?headers.get(http::header::ORIGIN),
        path = %request.uri().path(),
        "refused a cross-site state-changing request"
    );
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(&*PortalOrigin::of("http://127.0.0.1:3000").0, "http://127.0.0.1:3000");
        assert_eq!(
            &*PortalOrigin::of("https://settledesk.bank.example/portal").0,
            "https://settledesk.bank.example"
        );
    }
}
