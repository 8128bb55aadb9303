//! The HTTP request behind the current page render or server function call (server side only).

use leptos::prelude::use_context;

/// Set by the server's middleware on every request (unless a proxy already did).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

/// The current request's id. Log lines written from server functions carry it explicitly: Leptos
/// runs resources in spawned tasks, which do not inherit the request's tracing span.
pub fn request_id() -> String {
    parts()
        .and_then(|p| p.headers.get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned())
}

/// A cookie of the current request, by name.
pub fn cookie(name: &str) -> Option<String> {
    cookies_named(&parts()?.headers, name).next().map(str::to_owned)
}

/// Every value sent for the cookie `name` in `headers`, as sent: the one reader of the Cookie
/// header, for pages (through [`cookie`]) and for the server's own handlers alike.
pub fn cookies_named<'a>(headers: &'a http::HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(key, _)| *key == name)
        .map(|(_, value)| value)
}
