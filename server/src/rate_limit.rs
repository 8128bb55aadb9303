//! Per-address rate limits on what strangers and guessers reach: sign-in (`/auth/*`, where every
//! request costs a session row or a token exchange) and the help-desk lookup (a search over
//! customers' payments). Limits are GCRA buckets from `governor`: a burst of the minute's
//! allowance, then an even rate. A refused request answers 429 with `Retry-After`, and is counted
//! (`settledesk_rate_limited_total`), not audited one by one: a flood must not fill the
//! permanent audit trail.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::StatusCode;

use crate::config::EdgeConfig;

pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    lookup: DefaultKeyedRateLimiter<IpAddr>,
}

/// Which limit a path falls under.
#[derive(Clone, Copy)]
enum Group {
    SignIn,
    Lookup,
}

impl Group {
    fn of(path: &str) -> Option<Group> {
        if path.starts_with("/auth/") {
            Some(Group::SignIn)
        } else if path == "/lookup" || path.starts_with("/lookup/") || path.starts_with("/api/lookup") {
            Some(Group::Lookup)
        } else {
            None
        }
    }

    fn label(self) -> &'static str {
        match self {
            Group::SignIn => "sign_in",
            Group::Lookup => "lookup",
        }
    }
}

fn per_minute(count: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN))
}

impl RateLimits {
    pub fn new(edge: &EdgeConfig) -> Arc<Self> {
        let limits = Arc::new(RateLimits {
            sign_in: RateLimiter::keyed(per_minute(edge.sign_in_per_minute)),
            lookup: RateLimiter::keyed(per_minute(edge.lookup_per_minute)),
        });
        // Forget addresses whose bucket is full again, so the table stays small.
        let weak = Arc::downgrade(&limits);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let Some(limits) = weak.upgrade() else { return };
                limits.sign_in.retain_recent();
                limits.lookup.retain_recent();
            }
        });
        limits
    }

    fn limiter(&self, group: Group) -> &DefaultKeyedRateLimiter<IpAddr> {
        match group {
            Group::SignIn => &self.sign_in,
            Group::Lookup => &self.lookup,
        }
    }
}

pub async fn limit(State(limits): State<Arc<RateLimits>>, request: Request, next: Next) -> Response {
    let Some(group) = Group::of(request.uri().path()) else { return next.run(request).await };
    let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
        return next.run(request).await;
    };
    match limits.limiter(group).check_key(&crate::listener::limit_key(peer.ip())) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            metrics::counter!("settledesk_rate_limited_total", "group" => group.label()).increment(1);
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            crate::admission::refusal_page(
                StatusCode::TOO_MANY_REQUESTS,
                wait.as_secs().max(1),
                crate::auth::pages::text::TOO_MANY_TITLE,
                crate::auth::pages::text::TOO_MANY_TEXT,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Group;

    #[test]
    fn sign_in_and_lookup_are_limited_and_nothing_else() {
        for path in ["/auth/login", "/auth/callback", "/auth/logout"] {
            assert!(matches!(Group::of(path), Some(Group::SignIn)), "{path}");
        }
        for path in ["/lookup", "/api/lookup", "/api/lookup/note"] {
            assert!(matches!(Group::of(path), Some(Group::Lookup)), "{path}");
        }
        for path in ["/", "/ledger", "/lookups", "/api/ledger", "/authx"] {
            assert!(Group::of(path).is_none(), "{path}");
        }
    }
}
