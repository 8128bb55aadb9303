//! Building URLs by hand, in the few places that do.

/// Percent-encodes `text` for use as one query-string value.
pub fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_component;

    #[test]
    fn reserved_characters_are_escaped() {
        assert_eq!(encode_component("/audit?actor=a b&x=ü"), "%2Faudit%3Factor%3Da%20b%26x%3D%C3%BC");
        assert_eq!(encode_component("plain-text_1.0~"), "plain-text_1.0~");
    }
}
