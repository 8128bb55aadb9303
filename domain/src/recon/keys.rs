//! What matching needs of a record or a payment, in a few machine words and no heap.
//!
//! A parsed [`NetworkRecord`] or [`ZellePayment`] holds five or six strings; ten million of each
//! would not fit in memory, and comparing strings is what made matching slow. Matching only ever
//! asks "are these equal?" and "which comes first?", so each string becomes a fixed-size number
//! that answers both the same way:
//!
//! - the acquirer reference (always 23 digits: every reader checks it) is that number, in a `u128`;
//! - the card fingerprint (hex HMAC-SHA-256) is its first 128 bits;
//! - approval codes, last four digits and reason codes (short ASCII) are their bytes packed into a
//!   `u64`.
//!
//! Values that do not have the expected shape (only in hand-made test data) fall back to a hash,
//! tagged so that it can never equal a packed value.

use std::hash::BuildHasher;

use chrono::NaiveDate;
use foldhash::fast::FixedState;

use crate::feeds::zelle::{PaymentStatus, ZellePayment};
use crate::feeds::{Network, NetworkRecord, RecordKind};
use crate::money::Money;

/// No reference (a payment whose network reference is not yet known). Sorts after every real one.
pub const NO_REFERENCE: u128 = u128::MAX;

/// A network record as matching sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKeys {
    pub reference: u128,
    pub card: u128,
    pub approval: u64,
    pub last4: u64,
    pub reason: u64,
    pub record_number: u64,
    pub amount: Amount,
    pub settlement: Amount,
    pub transaction_date: NaiveDate,
    pub merchant_category: u16,
    pub network: Network,
    pub kind: RecordKind,
    pub credit: bool,
}

/// A Zelle payment as matching sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentKeys {
    pub reference: u128,
    pub card: u128,
    pub approval: u64,
    pub last4: u64,
    pub amount: Amount,
    pub business_date: NaiveDate,
    pub status: PaymentStatus,
    pub network: Network,
}

/// Minor units and the ISO 4217 numeric code: [`Money`] without the currency's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount {
    pub minor: i64,
    pub currency: u16,
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount { minor: m.minor(), currency: m.currency().numeric() }
    }
}

impl RecordKeys {
    pub fn of(r: &NetworkRecord) -> RecordKeys {
        RecordKeys {
            reference: reference(&r.reference),
            card: card(&r.card.fingerprint),
            approval: code(&r.approval_code),
            last4: code(&r.card.last4),
            reason: r.reason_code.as_deref().map(code).unwrap_or(0),
            record_number: r.record_number,
            amount: r.amount.into(),
            settlement: r.settlement.into(),
            transaction_date: r.transaction_date,
            merchant_category: r.merchant_category,
            network: r.network,
            kind: r.kind,
            credit: r.credit,
        }
    }

    /// Whether the network settled the amount it presented (no cross-currency difference).
    pub fn settled_as_presented(&self) -> bool {
        self.settlement == self.amount
    }

    /// A total order over every field, so that which of two look-alike records comes first (say,
    /// which is the duplicate) never depends on the order they arrived in.
    pub fn canonical(&self) -> impl Ord {
        (
            (self.network, self.transaction_date, self.reference, self.record_number, self.kind, self.credit),
            (self.card, self.last4, self.approval, self.merchant_category),
            (self.amount, self.settlement, self.reason),
        )
    }
}

impl PaymentKeys {
    pub fn of(p: &ZellePayment) -> PaymentKeys {
        PaymentKeys {
            reference: p.network_reference.as_deref().map(reference).unwrap_or(NO_REFERENCE),
            card: card(&p.card.fingerprint),
            approval: code(&p.approval_code),
            last4: code(&p.card.last4),
            amount: p.amount.into(),
            business_date: p.business_date,
            status: p.status,
            network: p.network,
        }
    }
}

const HASHED: u64 = 1 << 63;

fn hash(text: &str, seed: u64) -> u64 {
    FixedState::with_seed(seed).hash_one(text)
}

/// A 23-digit reference as its number; anything else hashed above every 23-digit number (10^23 <
/// 2^77), so the two kinds never meet.
pub fn reference(text: &str) -> u128 {
    if text.len() == 23 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.bytes().fold(0u128, |n, b| n * 10 + u128::from(b - b'0'))
    } else {
        (1 << 100) | u128::from(hash(text, 1))
    }
}

/// Whether `text` is surely the reference behind `key`: a 23-digit reference's key is the number
/// itself; any other's is a hash, which could be another text's.
pub fn surely_reference(text: &str, key: u128) -> bool {
    key < (1 << 100) && reference(text) == key
}

/// Whether `text` is surely the code behind `key` (packed, not hashed).
pub fn surely_code(text: &str, key: u64) -> bool {
    key & HASHED == 0 && code(text) == key
}

/// The first 128 bits of a hex fingerprint; other text as two independent 64-bit hashes with the
/// top bit set (a hex prefix of 32 digits can have it too, but an HMAC output and hand-made test
/// text never share a card).
fn card(fingerprint: &str) -> u128 {
    match fingerprint.get(..32).and_then(|hex| u128::from_str_radix(hex, 16).ok()) {
        Some(bits) => bits,
        None => (u128::from(hash(fingerprint, 2) | HASHED) << 64) | u128::from(hash(fingerprint, 3)),
    }
}

/// Up to eight ASCII bytes packed big-endian (so the packed values order like the text); longer
/// or non-ASCII text hashed with the top bit set, which ASCII never has.
fn code(text: &str) -> u64 {
    if text.len() <= 8 && text.is_ascii() {
        let mut bytes = [0u8; 8];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        u64::from_be_bytes(bytes)
    } else {
        hash(text, 4) | HASHED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_text_gives_equal_keys_and_different_text_different_keys() {
        assert_eq!(reference("70000000000000000000001"), 70000000000000000000001);
        assert_ne!(reference("70000000000000000000001"), reference("7000000000000000000001"));
        assert!(reference("R1") > reference("99999999999999999999999"));
        assert_eq!(card(&"ab".repeat(32)), u128::from_str_radix(&"ab".repeat(16), 16).unwrap());
        assert_ne!(card("fp1"), card("fp2"));
        assert_eq!(code("A12345"), code("A12345"));
        assert_ne!(code("A1"), code("A1 "));
        assert!(code("A1") < code("A2"), "packed codes order like their text");
        assert_ne!(code("a much longer approval"), code("a much longer approvaL"));
        assert_eq!(code(""), 0);
        // Sure only where the key is the text itself.
        assert!(surely_reference("70000000000000000000001", reference("70000000000000000000001")));
        assert!(!surely_reference("R1", reference("R1")), "a hashed reference could be another's");
        assert!(!surely_reference("70000000000000000000002", reference("70000000000000000000001")));
        assert!(surely_code("A12345", code("A12345")));
        assert!(!surely_code("A12346", code("A12345")));
        assert!(!surely_code("a much longer approval", code("a much longer approval")));
    }
}
