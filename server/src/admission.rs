//! Back-pressure in front of the database pool.
//!
//! The pool has a handful of connections. Without a limit, one person's burst (200 requests at
//! once) took them all: others waited seconds, and requests that gave up answered 200 with an
//! error inside. Now every request to the portal is admitted in two steps:
//!
//! 1. Its client, the session cookie (or, without one, the address), may have
//!    `per_client_concurrency` requests in progress; up to `per_client_queue` more wait their turn,
//!    and anything beyond is refused at once with 429. One client's burst therefore occupies at
//!    most a few connections.
//! 2. Over everyone, `concurrency` requests may be in progress; more wait in arrival order, and one
//!    that has waited `queue_wait` is refused with 503. Nothing waits without bound.
//!
//! Both refusals carry `Retry-After` and a page that says what happened.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use tokio::sync::Semaphore;

use crate::config::EdgeConfig;

pub struct Admission {
    clients: Mutex<HashMap<String, Arc<Client>>>,
    everyone: Semaphore,
    edge: EdgeConfig,
}

struct Client {
    running: Semaphore,
    waiting: AtomicU32,
}

impl Admission {
    pub fn new(edge: EdgeConfig) -> Arc<Self> {
        Arc::new(Admission {
            clients: Mutex::new(HashMap::new()),
            everyone: Semaphore::new(edge.concurrency as usize),
            edge,
        })
    }

    fn client(&self, key: &str) -> Arc<Client> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(key.to_owned())
            .or_insert_with(|| {
                Arc::new(Client {
                    running: Semaphore::new(self.edge.per_client_concurrency as usize),
                    waiting: AtomicU32::new(0),
                })
            })
            .clone()
    }

    /// Forgets a client nobody else holds (its last request has finished).
    fn release(&self, key: &str, client: Arc<Client>) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        // Ours and the map's: no other request of this client is in progress or waiting.
        if Arc::strong_count(&client) == 2 {
            clients.remove(key);
        }
    }
}

/// Who a request is for this purpose: its session cookie's value, else its address.
fn client_key(request: &Request) -> String {
    let session = request
        .headers()
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == crate::auth::SESSION_COOKIE)
        .map(|(_, value)| value.to_owned());
    match session {
        Some(id) => format!("s:{id}"),
        None => match request.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => format!("a:{}", peer.ip()),
            None => "a:unknown".to_owned(),
        },
    }
}

pub async fn admit(State(admission): State<Arc<Admission>>, request: Request, next: Next) -> Response {
    let key = client_key(&request);
    let client = admission.client(&key);
    let response = admit_client(&admission, &client, request, next).await;
    admission.release(&key, client);
    response
}

async fn admit_client(admission: &Admission, client: &Client, request: Request, next: Next) -> Response {
    let edge = &admission.edge;
    let wait = edge.queue_wait;
    let own_turn = match client.running.try_acquire() {
        Ok(permit) => permit,
        Err(_) => {
            if client.waiting.fetch_add(1, Ordering::SeqCst) >= edge.per_client_queue {
                client.waiting.fetch_sub(1, Ordering::SeqCst);
                metrics::counter!("settledesk_requests_refused_total", "reason" => "per_client").increment(1);
                return refusal(
                    StatusCode::TOO_MANY_REQUESTS,
                    1,
                    "Too many requests at once",
                    "Your session already has several requests in progress. Please wait for them, then try again.",
                );
            }
            let waited = tokio::time::timeout(wait, client.running.acquire()).await;
            client.waiting.fetch_sub(1, Ordering::SeqCst);
            match waited {
                Ok(Ok(permit)) => permit,
                _ => return busy(),
            }
        }
    };
    let started = std::time::Instant::now();
    let shared_turn = match tokio::time::timeout(wait, admission.everyone.acquire()).await {
        Ok(Ok(permit)) => permit,
        _ => return busy(),
    };
    metrics::histogram!("settledesk_admission_wait_seconds").record(started.elapsed().as_secs_f64());
    let response = next.run(request).await;
    drop(shared_turn);
    drop(own_turn);
    response
}

fn busy() -> Response {
    metrics::counter!("settledesk_requests_refused_total", "reason" => "busy").increment(1);
    refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        5,
        "SettleDesk is busy",
        "SettleDesk has more requests than it can answer right now. Please try again in a few seconds.",
    )
}

/// A refusal page with its status and `Retry-After`.
pub fn refusal(
    status: StatusCode,
    retry_after_secs: u64,
    title: &'static str,
    text: &'static str,
) -> Response {
    let mut response = crate::auth::pages::message(status, title, text, ("/", "Go to the dashboard"));
    response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry_after_secs));
    response
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    fn edge(concurrency: u32) -> EdgeConfig {
        EdgeConfig {
            listener: crate::listener::Edge {
                header_read_timeout: Duration::from_secs(10),
                max_connections: 16,
                trusted_proxy_hops: 0,
            },
            sign_in_per_minute: 30,
            lookup_per_minute: 30,
            per_client_concurrency: 2,
            per_client_queue: 3,
            concurrency,
            queue_wait: Duration::from_secs(3600),
        }
    }

    /// A router whose one page counts who reached it, then waits until told to finish, so
    /// requests can be held in progress.
    fn held(
        admission: Arc<Admission>,
        gate: Arc<tokio::sync::Semaphore>,
        entered: Arc<std::sync::atomic::AtomicUsize>,
    ) -> Router {
        Router::new()
            .route(
                "/",
                get(move || {
                    let (gate, entered) = (gate.clone(), entered.clone());
                    async move {
                        entered.fetch_add(1, Ordering::SeqCst);
                        let _go = gate.acquire().await.unwrap();
                        "data"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(admission, admit))
    }

    fn request(session: &str) -> axum::extract::Request {
        axum::extract::Request::get("/")
            .header("cookie", format!("sd_session={session}"))
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn one_clients_burst_is_queued_then_refused_while_another_client_gets_in() {
        let admission = Admission::new(edge(8));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let entered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let router = held(admission.clone(), gate.clone(), entered.clone());
        // Two run and three wait: the burst's first five are held; the rest are refused at once.
        let mut held_requests = Vec::new();
        for _ in 0..5 {
            held_requests.push(tokio::spawn(router.clone().oneshot(request("burst"))));
        }
        while admission.client("s:burst").waiting.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        for _ in 0..20 {
            let refused = router.clone().oneshot(request("burst")).await.unwrap();
            assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
            assert!(refused.headers().contains_key(http::header::RETRY_AFTER));
        }
        // Another person is not behind the burst: their request reaches the page while the
        // burst's are still held.
        let other = tokio::spawn(router.clone().oneshot(request("someone-else")));
        while entered.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(admission.client("s:burst").waiting.load(Ordering::SeqCst), 3);
        gate.add_permits(100);
        let mut answered = vec![other.await.unwrap().unwrap()];
        for handle in held_requests {
            answered.push(handle.await.unwrap().unwrap());
        }
        assert!(answered.iter().all(|r| r.status() == StatusCode::OK), "every admitted request got its page");
        assert!(admission.clients.lock().unwrap().is_empty(), "finished clients are forgotten");
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_a_turn_gets_503_not_a_page_with_an_error() {
        let admission = Admission::new(EdgeConfig { queue_wait: Duration::from_millis(50), ..edge(1) });
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let router = held(admission.clone(), gate.clone(), Default::default());
        let first = tokio::spawn(router.clone().oneshot(request("a")));
        while admission.everyone.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let second = router.clone().oneshot(request("b")).await.unwrap();
        assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
        gate.add_permits(1);
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
