//! Back-pressure in front of the database pool.
//!
//! The pool has a handful of connections. Without a limit, one person's burst (200 requests at
//! once) took them all: others waited seconds, and requests that gave up answered 200 with an
//! error inside. Now every request to the portal is admitted in steps:
//!
//! 1. Its session (the session cookie) may have `per_client_concurrency` requests in progress; up
//!    to `per_client_queue` more wait their turn, and anything beyond is refused at once with 429.
//!    One person's burst therefore occupies at most a few connections.
//! 2. Its address may have four times as many, whatever cookies it sends: a flood of made-up
//!    session ids is still one address. (A request without a session cookie counts only here.)
//! 3. Over everyone, `concurrency` requests may be in progress; more wait in arrival order, and one
//!    that has waited `queue_wait` is refused with 503. Nothing waits without bound.
//!
//! A request's turns are held until its response is complete: a streamed export holds them while
//! it reads from the database. A request with two session cookies, or one that is not a session
//! id, is refused (400): it could otherwise count against a made-up session while the session
//! layer reads the real one.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::EdgeConfig;

/// How many times a session's limits an address gets.
const ADDRESS_FACTOR: u32 = 4;

pub struct Admission {
    /// Each client in use, with how many requests hold it (under the lock, so the last one out
    /// removes it).
    clients: Mutex<HashMap<String, (Arc<Client>, usize)>>,
    everyone: Arc<Semaphore>,
    edge: EdgeConfig,
}

struct Client {
    running: Arc<Semaphore>,
    waiting: AtomicU32,
    queue: u32,
}

/// Why a request was not admitted.
enum Refusal {
    TooMany,
    Busy,
}

impl Admission {
    pub fn new(edge: EdgeConfig) -> Arc<Self> {
        Arc::new(Admission {
            clients: Mutex::new(HashMap::new()),
            everyone: Arc::new(Semaphore::new(edge.concurrency as usize)),
            edge,
        })
    }

    fn client(&self, key: &str, factor: u32) -> Arc<Client> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let (client, users) = clients.entry(key.to_owned()).or_insert_with(|| {
            let client = Client {
                running: Arc::new(Semaphore::new((self.edge.per_client_concurrency * factor) as usize)),
                waiting: AtomicU32::new(0),
                queue: self.edge.per_client_queue * factor,
            };
            (Arc::new(client), 0)
        });
        *users += 1;
        client.clone()
    }

    /// One request is done with `key`; the last one forgets it.
    fn release(&self, key: &str) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, users)) = clients.get_mut(key) {
            *users -= 1;
            if *users == 0 {
                clients.remove(key);
            }
        }
    }

    /// A turn of `key`'s: at once, after waiting in its queue, or refused. The client stays known
    /// while any request holds or waits for one of its turns.
    async fn turn(self: &Arc<Self>, key: &str, factor: u32) -> Result<Turn, Refusal> {
        let client = self.client(key, factor);
        let permit = match client.running.clone().try_acquire_owned() {
            Ok(permit) => Ok(permit),
            Err(_) if client.waiting.fetch_add(1, Ordering::SeqCst) >= client.queue => {
                client.waiting.fetch_sub(1, Ordering::SeqCst);
                Err(Refusal::TooMany)
            }
            Err(_) => {
                let waited =
                    tokio::time::timeout(self.edge.queue_wait, client.running.clone().acquire_owned()).await;
                client.waiting.fetch_sub(1, Ordering::SeqCst);
                match waited {
                    Ok(Ok(permit)) => Ok(permit),
                    _ => Err(Refusal::Busy),
                }
            }
        };
        drop(client);
        match permit {
            Ok(permit) => Ok(Turn { _permit: permit, admission: self.clone(), key: key.to_owned() }),
            Err(refusal) => {
                self.release(key);
                Err(refusal)
            }
        }
    }
}

/// A request's turn of one client's: given back, and the client forgotten if it was the last
/// one, when dropped.
struct Turn {
    _permit: OwnedSemaphorePermit,
    admission: Arc<Admission>,
    key: String,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.admission.release(&self.key);
    }
}

/// The request's session id, `Ok(None)` without one; `Err` when it sends two, or one that is not
/// a session id (tower-sessions writes URL-safe base64).
fn session_id(request: &Request) -> Result<Option<&str>, ()> {
    let mut found = None;
    for value in crate::auth::session_cookies(request.headers()) {
        let plain = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if found.is_some() || !plain {
            return Err(());
        }
        found = Some(value);
    }
    Ok(found)
}

pub async fn admit(State(admission): State<Arc<Admission>>, request: Request, next: Next) -> Response {
    let Ok(session) = session_id(&request) else {
        return crate::auth::pages::message(
            StatusCode::BAD_REQUEST,
            crate::auth::pages::text::SESSION_FOREIGN_TITLE,
            crate::auth::pages::text::SESSION_FOREIGN_TEXT,
            ("/auth/login", crate::auth::pages::text::SIGN_IN),
        );
    };
    let address = match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => crate::listener::limit_key(peer.ip()).to_string(),
        None => "unknown".to_owned(),
    };
    let mut turns = Vec::with_capacity(2);
    let steps = [
        session.map(|id| (format!("s:{id}"), 1)),
        Some((format!("a:{address}"), if session.is_some() { ADDRESS_FACTOR } else { 1 })),
    ];
    for (key, factor) in steps.into_iter().flatten() {
        match admission.turn(&key, factor).await {
            Ok(turn) => turns.push(turn),
            Err(refusal) => return refused(refusal),
        }
    }
    let started = std::time::Instant::now();
    let shared =
        match tokio::time::timeout(admission.edge.queue_wait, admission.everyone.clone().acquire_owned())
            .await
        {
            Ok(Ok(turn)) => turn,
            _ => return refused(Refusal::Busy),
        };
    metrics::histogram!("settledesk_admission_wait_seconds").record(started.elapsed().as_secs_f64());
    let response = next.run(request).await;
    hold_until_sent(response, (turns, shared))
}

/// A response whose body is already whole gives its turns back now; a streamed one (an export)
/// holds them until its last byte, since it reads from the database as it goes.
fn hold_until_sent(response: Response, turns: (Vec<Turn>, OwnedSemaphorePermit)) -> Response {
    if response.body().size_hint().exact().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let _held = &turns;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::TooMany => {
            metrics::counter!("settledesk_requests_refused_total", "reason" => "per_client").increment(1);
            refusal_page(
                StatusCode::TOO_MANY_REQUESTS,
                1,
                crate::auth::pages::text::TOO_MANY_AT_ONCE_TITLE,
                crate::auth::pages::text::TOO_MANY_AT_ONCE_TEXT,
            )
        }
        Refusal::Busy => {
            metrics::counter!("settledesk_requests_refused_total", "reason" => "busy").increment(1);
            refusal_page(
                StatusCode::SERVICE_UNAVAILABLE,
                5,
                crate::auth::pages::text::BUSY_TITLE,
                crate::auth::pages::text::BUSY_TEXT,
            )
        }
    }
}

/// A refusal page with its status and `Retry-After`.
pub fn refusal_page(
    status: StatusCode,
    retry_after_secs: u64,
    title: app::i18n::Text,
    text: app::i18n::Text,
) -> Response {
    let mut response =
        crate::auth::pages::message(status, title, text, ("/", crate::auth::pages::text::GO_TO_DASHBOARD));
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

    impl Admission {
        /// How many of `key`'s requests wait for a turn (0 when it is not in use).
        fn waiting(&self, key: &str) -> u32 {
            let clients = self.clients.lock().unwrap();
            clients.get(key).map_or(0, |(client, _)| client.waiting.load(Ordering::SeqCst))
        }
    }

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
        while admission.waiting("s:burst") < 3 {
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
        assert_eq!(admission.waiting("s:burst"), 3);
        gate.add_permits(100);
        let mut answered = vec![other.await.unwrap().unwrap()];
        for handle in held_requests {
            answered.push(handle.await.unwrap().unwrap());
        }
        assert!(answered.iter().all(|r| r.status() == StatusCode::OK), "every admitted request got its page");
        assert!(admission.clients.lock().unwrap().is_empty(), "finished clients are forgotten");
    }

    #[tokio::test]
    async fn two_session_cookies_or_a_made_up_one_are_refused() {
        let admission = Admission::new(edge(8));
        let router = held(admission, Arc::new(tokio::sync::Semaphore::new(100)), Default::default());
        for cookie in ["sd_session=abc; sd_session=def", "sd_session=%61bc", "sd_session=a b", "sd_session="]
        {
            let request =
                axum::extract::Request::get("/").header("cookie", cookie).body(Body::empty()).unwrap();
            let answer = router.clone().oneshot(request).await.unwrap();
            assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{cookie}");
        }
        assert_eq!(router.oneshot(request("abc-DEF_123")).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_streamed_answer_keeps_its_turn_until_it_is_read_to_the_end() {
        let admission = Admission::new(edge(1));
        let router = Router::new()
            .route(
                "/export",
                get(|| async {
                    let rows = futures_util::stream::iter(["a\n", "b\n"]).map(Ok::<_, std::io::Error>);
                    Body::from_stream(rows)
                }),
            )
            .layer(axum::middleware::from_fn_with_state(admission.clone(), admit));
        let export = |session: &str| {
            axum::extract::Request::get("/export")
                .header("cookie", format!("sd_session={session}"))
                .body(Body::empty())
                .unwrap()
        };
        let answer = router.clone().oneshot(export("a")).await.unwrap();
        assert_eq!(admission.everyone.available_permits(), 0, "the export still holds its turn");
        let body = axum::body::to_bytes(answer.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"a\nb\n");
        assert_eq!(admission.everyone.available_permits(), 1, "given back once read");
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
