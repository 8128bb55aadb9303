//! Plain server-rendered pages for the moments outside the portal proper: sign-in failures,
//! refusals, signed out. They use the portal's style sheet, need no JavaScript, and speak the
//! person's language (their choice, else their browser's), which [`with_locale`] sets for the
//! request before anything else runs.

use app::auth::server::User;
use app::i18n::{Locale, Text};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// Middleware: the language of this request's pages, from the language cookie or `Accept-Language`.
pub async fn with_locale(request: Request, next: Next) -> Response {
    let locale = app::i18n::locale_of(request.headers());
    app::i18n::REQUEST_LOCALE.scope(locale, next.run(request)).await
}

/// The language of the request being answered (set by [`with_locale`]).
pub fn locale() -> Locale {
    app::i18n::request_locale()
}

/// A page with a heading, an explanation and one way onward. Every text is fixed, never input.
pub fn message(status: StatusCode, title: Text, text: Text, link: (&'static str, Text)) -> Response {
    let locale = locale();
    let (href, label) = (link.0, locale.t(link.1));
    let body = format!(
        r#"<main id="main" class="standalone"><section class="card narrow"><h1>{title}</h1><p>{text}</p><p><a class="button primary" href="{href}">{label}</a></p></section></main>"#,
        title = locale.t(title),
        text = locale.t(text),
    );
    let header = r#"<header class="topbar"><a class="brand" href="/"><span class="brand-mark" aria-hidden="true">SD</span><span class="brand-name">SettleDesk</span></a></header>"#;
    page(status, locale, locale.t(title), &format!("{header}{body}"))
}

/// A refusal of a page the person's roles do not include, drawn in the portal's frame: their name,
/// the way out, and the sections they may open.
pub fn forbidden(user: &User) -> Response {
    let locale = locale();
    let sections = app::routes::server::sections(|permission| user.can(permission));
    let navigation: String = app::routes::ROUTES
        .iter()
        .filter(|entry| entry.in_navigation && sections.iter().any(|s| s == entry.path))
        .map(|entry| format!(r#"<li><a href="{}">{}</a></li>"#, entry.path, locale.t(entry.title)))
        .collect();
    let html = format!(
        r##"<a class="skip-link" href="#main">{skip}</a>
<header class="topbar"><a href="#main-nav" role="button" class="nav-toggle" aria-controls="main-nav"><span class="visually-hidden">{toggle}</span><svg aria-hidden="true" viewBox="0 0 20 20" width="20" height="20"><path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="2" fill="none"/></svg></a>
<a class="brand" href="/"><span class="brand-mark" aria-hidden="true">SD</span><span class="brand-name">SettleDesk</span></a>
<div class="user-slot"><span class="user-name" data-test="user-name" translate="no">{name}</span><form method="post" action="/auth/logout" class="sign-out"><button type="submit" class="button small">{sign_out}</button></form></div></header>
<div class="frame"><nav id="main-nav" class="sidenav" aria-label="{main}"><ul>{navigation}</ul></nav>
<main id="main" tabindex="-1"><div class="page-header"><h1>{title}</h1></div><p>{text}</p><p><a href="/">{back}</a></p></main></div>"##,
        skip = locale.t(text::SKIP),
        toggle = locale.t(text::TOGGLE_NAVIGATION),
        name = escape(&user.display_name),
        sign_out = locale.t(text::SIGN_OUT),
        main = locale.t(text::MAIN_NAVIGATION),
        title = locale.t(text::FORBIDDEN_TITLE),
        text = locale.t(text::FORBIDDEN_TEXT),
        back = locale.t(text::GO_TO_DASHBOARD),
    );
    page(StatusCode::FORBIDDEN, locale, locale.t(text::FORBIDDEN_TITLE), &html)
}

fn page(status: StatusCode, locale: Locale, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · SettleDesk</title><link rel="stylesheet" href="/pkg/{bundle}.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head><body><div class="app">{body}</div></body></html>"#,
        lang = locale.tag(),
        bundle = app::BUNDLE_NAME,
    );
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}

/// Text from elsewhere (a display name from the identity provider) made safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Every text of these pages.
pub mod text {
    app::texts! {
        SKIP = "Skip to main content", "跳到主要内容";
        TOGGLE_NAVIGATION = "Show or hide navigation", "显示或隐藏导航";
        SIGN_OUT = "Sign out", "退出登录";
        MAIN_NAVIGATION = "Main", "主导航";
        GO_TO_DASHBOARD = "Go to the dashboard", "前往仪表板";
        TRY_AGAIN = "Try again", "重试";
        SIGN_IN = "Sign in", "登录";
        SIGN_IN_AGAIN = "Sign in again", "重新登录";
        SIGN_IN_AS_SOMEONE_ELSE = "Sign in as someone else", "以其他账户登录";
        FORBIDDEN_TITLE = "Not available to your role", "您的角色无权访问";
        FORBIDDEN_TEXT = "Your SettleDesk role does not include this page. If you need it, ask your supervisor to request access.", "您的 SettleDesk 角色不包含此页面。如需访问，请让您的主管为您申请权限。";
        NOT_FOUND_TITLE = "Page not found", "找不到页面";
        NOT_FOUND_TEXT = "There is no page at this address.", "此地址没有页面。";
        BAD_ADDRESS_TITLE = "This address is not valid", "此地址无效";
        BAD_ADDRESS_TEXT = "The address has a '.' or '..' part. Open the page from the menu instead.", "地址中含有“.”或“..”部分，请改从菜单打开页面。";
        UNAVAILABLE_TITLE = "SettleDesk is unavailable", "SettleDesk 暂不可用";
        SESSION_UNREADABLE = "Your session could not be read. Please try again in a minute.", "无法读取您的会话，请一分钟后重试。";
        SIGN_IN_UNAVAILABLE = "Sign-in is unavailable", "登录暂不可用";
        SESSION_NOT_KEPT = "SettleDesk could not keep your session. Please try again in a minute.", "SettleDesk 无法保存您的会话，请一分钟后重试。";
        PROVIDER_UNREACHABLE = "The bank's sign-in service could not be reached. Please try again in a minute.", "无法连接银行的登录服务，请一分钟后重试。";
        SIGN_IN_NOT_COMPLETED = "SettleDesk could not complete your sign-in just now. Please try again in a minute.", "SettleDesk 暂时无法完成您的登录，请一分钟后重试。";
        STALE_TITLE = "Sign-in could not be completed", "无法完成登录";
        STALE_TEXT = "This sign-in link has expired, was already used, or did not start here. Please sign in again.", "此登录链接已过期、已被使用或并非从此处发起，请重新登录。";
        CANCELLED_TITLE = "Sign-in was cancelled", "登录已取消";
        CANCELLED_TEXT = "The sign-in was cancelled or refused by the bank's sign-in service.", "登录已被银行的登录服务取消或拒绝。";
        NO_ROLE_TITLE = "No access to SettleDesk", "无权访问 SettleDesk";
        NO_ROLE_TEXT = "You signed in, but your account is in none of the groups that give access to SettleDesk. Ask your supervisor to request a role for you, or sign in with another account.", "您已登录，但您的账户不属于任何可访问 SettleDesk 的用户组。请让您的主管为您申请角色，或使用其他账户登录。";
        SIGNED_OUT_TITLE = "You have signed out", "您已退出登录";
        SIGNED_OUT_TEXT = "Your SettleDesk session has ended.", "您的 SettleDesk 会话已结束。";
        SESSION_FOREIGN_TITLE = "Sign-in could not be read", "无法读取登录信息";
        SESSION_FOREIGN_TEXT = "Your browser sent a session this site did not give it. Close the browser, then sign in again.", "您的浏览器发送了一个并非本站发放的会话。请关闭浏览器后重新登录。";
        TOO_MANY_TITLE = "Too many requests", "请求过多";
        TOO_MANY_TEXT = "Too many requests came from your address in a short time. Please wait a minute and try again.", "您的地址在短时间内发出了过多请求，请稍等一分钟后重试。";
        TOO_MANY_AT_ONCE_TITLE = "Too many requests at once", "同时请求过多";
        TOO_MANY_AT_ONCE_TEXT = "Your session already has several requests in progress. Please wait for them, then try again.", "您的会话已有多个请求正在处理，请等待完成后重试。";
        BUSY_TITLE = "SettleDesk is busy", "SettleDesk 繁忙";
        BUSY_TEXT = "SettleDesk has more requests than it can answer right now. Please try again in a few seconds.", "SettleDesk 当前请求过多，请几秒钟后重试。";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_cannot_write_markup() {
        assert_eq!(escape(r#"<script>"x"&'y'"#), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
    }

    #[tokio::test]
    async fn pages_speak_the_request_s_language() {
        let response = app::i18n::REQUEST_LOCALE
            .scope(Locale::ZhCn, async {
                message(StatusCode::OK, text::SIGNED_OUT_TITLE, text::SIGNED_OUT_TEXT, ("/", text::SIGN_IN))
            })
            .await;
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains(r#"lang="zh-CN""#) && html.contains("您已退出登录"), "{html}");
    }
}
