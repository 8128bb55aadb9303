//! The attributes every cookie the portal sets must carry, applied in one place on the way out, so
//! no page or library can forget them:
//!
//! - under https, `Secure` on every cookie (the session, and the language and time-zone choices);
//! - the session cookie lives for the browser session only. The stored session keeps its fixed end
//!   (the absolute lifetime, enforced by the guard), but tower-sessions writes that end into the
//!   cookie as `Max-Age`, which made the browser keep it across restarts, on a shared desk too.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::SET_COOKIE;
use http::HeaderValue;

/// Whether the portal is served over https.
#[derive(Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub async fn harden(State(policy): State<CookiePolicy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    if set.is_empty() {
        return response;
    }
    headers.remove(SET_COOKIE);
    for value in set {
        let hardened = value
            .to_str()
            .ok()
            .map(|cookie| harden_one(cookie, policy))
            .and_then(|cookie| HeaderValue::from_str(&cookie).ok())
            .unwrap_or(value);
        headers.append(SET_COOKIE, hardened);
    }
    response
}

/// One `Set-Cookie` value with the portal's attributes applied.
fn harden_one(cookie: &str, policy: CookiePolicy) -> String {
    let mut parts = cookie.split(';').map(str::trim).filter(|part| !part.is_empty());
    let Some(pair) = parts.next() else { return cookie.to_owned() };
    let attributes: Vec<&str> = parts.collect();
    let named =
        |part: &str, name: &str| part.split('=').next().is_some_and(|n| n.trim().eq_ignore_ascii_case(name));
    let removal = attributes
        .iter()
        .any(|a| named(a, "Max-Age") && a.split('=').nth(1).is_some_and(|v| v.trim() == "0"));
    let session = pair.split('=').next() == Some(crate::auth::SESSION_COOKIE);
    let mut out = vec![pair];
    for attribute in attributes {
        if session && !removal && (named(attribute, "Max-Age") || named(attribute, "Expires")) {
            continue;
        }
        if named(attribute, "Secure") {
            continue; // added once below, under https
        }
        out.push(attribute);
    }
    if policy.secure {
        out.push("Secure");
    }
    out.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPS: CookiePolicy = CookiePolicy { secure: true };
    const HTTP: CookiePolicy = CookiePolicy { secure: false };

    #[test]
    fn the_session_cookie_ends_with_the_browser_session() {
        let set = "sd_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=43199; Expires=Thu, 04 Dec 2026 10:00:00 GMT";
        assert_eq!(harden_one(set, HTTP), "sd_session=abc; HttpOnly; SameSite=Lax; Path=/");
        assert_eq!(harden_one(set, HTTPS), "sd_session=abc; HttpOnly; SameSite=Lax; Path=/; Secure");
    }

    #[test]
    fn signing_out_still_removes_the_session_cookie() {
        let removal = "sd_session=; HttpOnly; Path=/; Max-Age=0; Expires=Wed, 03 Dec 2025 10:00:00 GMT";
        assert_eq!(harden_one(removal, HTTP), removal);
    }

    #[test]
    fn every_cookie_is_secure_under_https_and_keeps_its_own_lifetime() {
        let language = "sd_lang=zh-CN; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly";
        assert_eq!(harden_one(language, HTTPS), format!("{language}; Secure"));
        assert_eq!(harden_one(language, HTTP), language);
        // Never twice.
        assert_eq!(harden_one("a=b; Secure; Path=/", HTTPS), "a=b; Path=/; Secure");
    }
}
