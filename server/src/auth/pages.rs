//! Plain server-rendered pages for the moments outside the portal proper: sign-in failures,
//! refusals, signed out. They use the portal's style sheet and need no JavaScript.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A page with a heading, an explanation and one way onward. Every argument is fixed text from
/// this crate, never input.
pub fn message(
    status: StatusCode,
    title: &'static str,
    text: &'static str,
    link: (&'static str, &'static str),
) -> Response {
    let (href, label) = link;
    let html = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · SettleDesk</title><link rel="stylesheet" href="/pkg/{bundle}.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head><body><div class="app"><header class="topbar"><a class="brand" href="/"><span class="brand-mark" aria-hidden="true">SD</span><span class="brand-name">SettleDesk</span></a></header>
<main id="main" class="standalone"><section class="card narrow"><h1>{title}</h1><p>{text}</p><p><a class="button primary" href="{href}">{label}</a></p></section></main></div></body></html>"#,
        bundle = app::BUNDLE_NAME,
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}

pub fn forbidden() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Not available to your role",
        "Your SettleDesk role does not include this page. If you need it, ask your supervisor to request access.",
        ("/", "Go to the dashboard"),
    )
}
