//! The Content-Security-Policy every response carries (server side only).

/// The policy for a page. `nonce` admits Leptos's inline hydration and resource scripts (fresh per
/// response); `'wasm-unsafe-eval'` lets the browser compile the hydrating WebAssembly;
/// `sign_in_origin` is where the sign-out form's redirect may go (the identity provider).
pub fn content_security_policy(nonce: Option<&str>, sign_in_origin: &str) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self' {sign_in_origin}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_admit_only_their_own_nonce_and_the_wasm() {
        let policy = content_security_policy(Some("abc123"), "https://sso.bank.example");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(policy.contains("form-action 'self' https://sso.bank.example"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let plain = content_security_policy(None, "https://sso.bank.example");
        assert!(plain.contains("script-src 'self';") && !plain.contains("wasm"), "{plain}");
    }
}
