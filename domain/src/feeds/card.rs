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

/// How a digit is written in a raw record: ASCII, or EBCDIC (Mastercard files may be either).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digits {
    Ascii,
    Ebcdic,
}

impl Digits {
    /// The value of `byte` as a digit in this code.
    pub fn value(self, byte: u8) -> Option<u8> {
        let zero = match self {
            Digits::Ascii => b'0',
            Digits::Ebcdic => 0xF0,
        };
        (zero..=zero + 9).contains(&byte).then(|| byte - zero)
    }

    /// `*` in this code: what a masked digit becomes.
    fn star(self) -> u8 {
        match self {
            Digits::Ascii => b'*',
            Digits::Ebcdic => 0x5C,
        }
    }
}

/// Masks a card number field in place: every digit but the last four becomes `*`, so the record
/// keeps its length and layout (and its last four digits, which the portal shows anyway).
pub fn mask_field(field: &mut [u8], digits: Digits) {
    let mut kept = 0;
    for byte in field.iter_mut().rev() {
        if digits.value(*byte).is_some() {
            if kept < 4 {
                kept += 1;
            } else {
                *byte = digits.star();
            }
        }
    }
}

/// Whether `digits` (values 0-9) pass the Luhn check every card number passes.
pub fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = (digits.iter().rev().enumerate())
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum % 10 == 0
}

/// Card-number lengths: a run of digits this long that passes the Luhn check may be a card number.
const CARD_DIGITS: std::ops::RangeInclusive<usize> = 12..=19;

/// The ranges of `raw` that look like a card number: maximal runs of 12 to 19 digits (ASCII or
/// EBCDIC) that pass the Luhn check.
pub fn card_like_runs(raw: &[u8]) -> Vec<(std::ops::Range<usize>, Digits)> {
    let mut found = Vec::new();
    for digits in [Digits::Ascii, Digits::Ebcdic] {
        let mut at = 0;
        while at < raw.len() {
            if digits.value(raw[at]).is_none() {
                at += 1;
                continue;
            }
            let start = at;
            while at < raw.len() && digits.value(raw[at]).is_some() {
                at += 1;
            }
            let values: Vec<u8> = raw[start..at].iter().filter_map(|b| digits.value(*b)).collect();
            if CARD_DIGITS.contains(&values.len()) && luhn(&values) {
                found.push((start..at, digits));
            }
        }
    }
    found
}

/// The last line of defence for a raw record about to be stored: any run of digits that could be
/// a card number is masked, wherever it is. The readers mask the card number's own field first
/// (they know where it is, even when a run of digits around it hides it from this search).
pub fn mask_card_like_runs(raw: &mut [u8]) {
    for (range, digits) in card_like_runs(raw) {
        mask_field(&mut raw[range], digits);
    }
}

/// [`mask_card_like_runs`] for text (a problem found in a record quotes the bad field as it came,
/// which a misaligned record can make a card number).
pub fn mask_text(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (range, digits) in card_like_runs(&bytes) {
        // Only ASCII digits can run on in valid UTF-8; masking them keeps it valid.
        if digits == Digits::Ascii {
            mask_field(&mut bytes[range], digits);
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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
    fn luhn_tells_card_numbers_from_other_digits() {
        let values = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn(&values("4111111111111111")));
        assert!(luhn(&values("5555555555554444")));
        assert!(luhn(&values("79927398713")));
        assert!(!luhn(&values("4111111111111112")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn a_card_number_anywhere_is_masked_to_its_last_four_digits() {
        let mut raw = b"x 4111111111111111 y 12345 z".to_vec();
        mask_card_like_runs(&mut raw);
        assert_eq!(raw, b"x ************1111 y 12345 z");
        // The same in EBCDIC, as a Mastercard file may be written.
        let ebcdic = |s: &[u8]| crate::feeds::mastercard::ebcdic::from_ascii(s);
        let mut raw = ebcdic(b"x 5555555555554444 y");
        mask_card_like_runs(&mut raw);
        assert_eq!(raw, ebcdic(b"x ************4444 y"));
        // Digits that fail the Luhn check, or runs too long to be a card, are left alone (an
        // amount, a reference).
        let mut raw = b"4111111111111112 and 12345678901234567890123".to_vec();
        mask_card_like_runs(&mut raw);
        assert_eq!(raw, b"4111111111111112 and 12345678901234567890123");
    }

    #[test]
    fn a_card_number_quoted_in_a_problem_is_masked() {
        assert_eq!(
            mask_text("expected 23 digits, found '4111111111111111 '"),
            "expected 23 digits, found '************1111 '"
        );
        assert_eq!(mask_text("unknown status 'päid'"), "unknown status 'päid'");
    }

    #[test]
    fn a_card_field_keeps_its_length_and_last_four_digits() {
        let mut field = *b"4111111111111111   ";
        mask_field(&mut field, Digits::Ascii);
        assert_eq!(&field, b"************1111   ");
        let mut short = *b"123 ";
        mask_field(&mut short, Digits::Ascii);
        assert_eq!(&short, b"123 ");
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
