//! Card numbers: read from the files, then reduced at once to what matching needs.
//!
//! A full card number (PAN) never leaves the reader: records carry the last four digits and a
//! keyed fingerprint (HMAC-SHA-256 under a secret key), so the same card can be matched across files
//! without the number being stored anywhere.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CardRef {
    pub last4: String,
    /// Hex HMAC-SHA-256 of the card number.
    pub fingerprint: String,
}

/// Turns card numbers into [`CardRef`]s under a secret key.
#[derive(Clone)]
pub struct CardTokenizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for CardTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardTokenizer([key redacted])")
    }
}

impl CardTokenizer {
    pub fn new(key: &[u8]) -> Self {
        CardTokenizer { mac: Hmac::new_from_slice(key).expect("HMAC takes keys of any length") }
    }

    /// `None` unless `pan` is 12 to 19 digits.
    pub fn card(&self, pan: &str) -> Option<CardRef> {
        if !(12..=19).contains(&pan.len()) || !pan.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut mac = self.mac.clone();
        mac.update(pan.as_bytes());
        Some(CardRef {
            last4: pan[pan.len() - 4..].to_owned(),
            fingerprint: lower_hex(&mac.finalize().into_bytes()),
        })
    }
}

/// Lowercase hex, as `hex::encode` writes it, straight into a string of the right size (that
/// crate collects characters one by one: a few percent of reading a day's files).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_card_gets_the_same_fingerprint_under_one_key_only() {
        let a = CardTokenizer::new(b"key one");
        let b = CardTokenizer::new(b"key two");
        let card = a.card("4111111111111111").unwrap();
        assert_eq!(card.last4, "1111");
        assert_eq!(card, a.card("4111111111111111").unwrap());
        assert_ne!(card.fingerprint, b.card("4111111111111111").unwrap().fingerprint);
        assert_ne!(card.fingerprint, a.card("4111111111111112").unwrap().fingerprint);
        assert!(!card.fingerprint.contains("411111"));
    }

    #[test]
    fn fingerprints_are_lowercase_hex() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&bytes), hex::encode(&bytes));
    }

    #[test]
    fn only_card_numbers_are_accepted() {
        let t = CardTokenizer::new(b"k");
        assert!(t.card("41111111111").is_none(), "too short");
        assert!(t.card("41111111111111111111").is_none(), "too long");
        assert!(t.card("4111 1111 1111 1111").is_none());
        assert!(format!("{t:?}").contains("redacted"));
    }
}
