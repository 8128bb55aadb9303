//! Security headers on every response. Pages rendered by Leptos set their own
//! Content-Security-Policy (with the response's script nonce); everything else gets the strict one.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use http::HeaderValue;

/// The strict policy for responses that did not set one, and whether the portal is served over
/// https (then browsers are told to use nothing else: HSTS).
#[derive(Clone)]
pub struct DefaultPolicy(pub Arc<HeaderValue>, pub bool);

impl DefaultPolicy {
    pub fn new(sign_in_origin: &str, https: bool) -> Self {
        let policy = app::security::content_security_policy(None, sign_in_origin);
        DefaultPolicy(Arc::new(HeaderValue::from_str(&policy).expect("the policy is plain ASCII")), https)
    }
}

/// Browser features the portal never uses, refused to any script that would.
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()";

pub async fn add(State(policy): State<DefaultPolicy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, (*policy.0).clone());
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Addresses can carry search terms about customers: never send them to another site.
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS_POLICY));
    if policy.1 {
        headers.insert(
            http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
