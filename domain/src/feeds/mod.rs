//! Card-network and bank feeds: what a settlement record is, whichever file it came from, and how a
//! file can fail.
//!
//! Each format has its own module with its layout written next to the code: `visa`, `mastercard`,
//! and `zelle` for the bank's own payments. Readers stream: they hand over one record at a time and never
//! hold a file in memory. Two kinds of failure are kept apart:
//!
//! - a [`FileError`] means the file as a whole cannot be trusted (bad blocking, truncated, a trailer
//!   whose count or total disagrees): the file is quarantined and nothing of it is loaded;
//! - a [`RecordIssue`] means one record has a bad field: the rest of the day goes on, and the record
//!   becomes an exception item carrying its raw bytes and the reason.

pub mod card;
pub mod generator;
pub mod mastercard;
pub mod visa;
pub mod zelle;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

pub use card::{CardRef, CardTokenizer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    Visa,
    Mastercard,
}

impl Network {
    /// The name stored in the database, the reports and the Zelle extract.
    pub fn code(self) -> &'static str {
        match self {
            Network::Visa => "visa",
            Network::Mastercard => "mastercard",
        }
    }

    pub fn from_code(code: &str) -> Option<Network> {
        [Network::Visa, Network::Mastercard].into_iter().find(|n| n.code() == code)
    }
}

/// What a network record does to money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A debit of the card (Visa TC05, Mastercard 1240): for Zelle, the card funding a payment.
    Presentment,
    /// A credit to the card (Visa TC06, Mastercard 1240 with a payment or refund processing code).
    Disbursement,
    /// The network undoing an earlier record (Visa TC25/TC26).
    Reversal,
    /// The issuer disputing an earlier record (Visa TC15/TC16, Mastercard 1442).
    Chargeback,
    /// A network fee (Mastercard 1740).
    Fee,
}

impl RecordKind {
    const ALL: [RecordKind; 5] = [
        RecordKind::Presentment,
        RecordKind::Disbursement,
        RecordKind::Reversal,
        RecordKind::Chargeback,
        RecordKind::Fee,
    ];

    /// The name stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Presentment => "presentment",
            RecordKind::Disbursement => "disbursement",
            RecordKind::Reversal => "reversal",
            RecordKind::Chargeback => "chargeback",
            RecordKind::Fee => "fee",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One settlement record from a card network, whichever format it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRecord {
    pub network: Network,
    /// 1-based position of the record in its file (headers and trailers count).
    pub record_number: u64,
    pub kind: RecordKind,
    /// Whether the record credits the card (a disbursement, or a reversal/chargeback of one).
    pub credit: bool,
    /// The acquirer reference number (23 digits): the network's reference for the payment.
    pub reference: String,
    /// The card, never its full number.
    pub card: CardRef,
    /// What was transacted, in the transaction currency.
    pub amount: Money,
    /// What settles between the bank and the network, in the settlement currency.
    pub settlement: Money,
    pub approval_code: String,
    pub transaction_date: NaiveDate,
    pub merchant_category: u16,
    /// The network's reason code on chargebacks and reversals.
    pub reason_code: Option<String>,
}

/// Why a file cannot be loaded at all. Names the record (0 for the file itself), the field, what
/// was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {record}, {field}: expected {expected}, found {found}")]
pub struct FileError {
    pub record: u64,
    pub field: String,
    pub expected: String,
    pub found: String,
}

impl FileError {
    pub fn new(
        record: u64,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        FileError { record, field: field.into(), expected: expected.into(), found: found.into() }
    }

    /// The error with card numbers masked in what it quotes (a field found where a card number
    /// stood), as it must be before it is stored, logged or shown.
    pub fn masked(self) -> Self {
        FileError { found: card::mask_text(&self.found), expected: card::mask_text(&self.expected), ..self }
    }
}

/// One record that cannot be read; the rest of the file is fine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {record}, {field}: {problem}")]
pub struct RecordIssue {
    pub record: u64,
    pub field: String,
    pub problem: String,
    /// The record as it was in the file, for the exception item, with its card number masked
    /// to the last four digits (the readers mask it before handing the issue over: a full card
    /// number is never stored, PCI DSS).
    pub raw: Vec<u8>,
    /// What the record's transaction amount and currency fields say, when both are readable: the
    /// day's control totals count it in that currency.
    pub amount: Option<Money>,
}

/// What a reader hands over, record by record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Record(NetworkRecord),
    Issue(RecordIssue),
}

/// How strictly to treat a record with a bad field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// The record becomes an exception item; the file loads (the default).
    #[default]
    Lenient,
    /// The whole file is refused (an admin setting per source).
    Strict,
}

/// A file read to its end: what its trailer promised, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub processing_date: NaiveDate,
    /// Transaction records (readable or not).
    pub transactions: u64,
    pub issues: u64,
    /// Whether the trailer's amount totals could be checked: not when a record's amount itself was
    /// unreadable (the counts are still checked).
    pub totals_verified: bool,
}

/// A stored raw record as people can read it: a Mastercard message in EBCDIC is shown in ASCII,
/// and bytes that are not printable text (bitmaps, binary elements) as `·`.
pub fn raw_as_text(network: Network, raw: &[u8]) -> String {
    let ascii = match (network, mastercard::iso8583::Encoding::detect(raw)) {
        (Network::Mastercard, Some(mastercard::iso8583::Encoding::Ebcdic)) => {
            std::borrow::Cow::Owned(mastercard::ebcdic::to_ascii(raw))
        }
        _ => std::borrow::Cow::Borrowed(raw),
    };
    ascii.iter().map(|&b| if (0x20..0x7f).contains(&b) { char::from(b) } else { '·' }).collect()
}

/// Reads a fixed-width text field.
pub(crate) fn text(bytes: &[u8]) -> String {
    lossy(bytes).trim().to_owned()
}

/// Bytes as text: borrowed when they are UTF-8, as a field nearly always is (checking that is
/// several times cheaper than `String::from_utf8_lossy`'s repairing pass, run on every field of
/// millions of records), repaired for messages when they are not.
pub(crate) fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Reads an all-digits field as a number.
pub(crate) fn digits(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Helpers shared by the readers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::CardTokenizer;

    pub fn cards() -> CardTokenizer {
        CardTokenizer::new(b"test key")
    }

    pub fn date(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    /// A generated day of `payments` payments on `business_date`, read back with the strict
    /// readers: what the generator says it made, the network records and the Zelle payments.
    pub fn parsed_day(
        business_date: &str,
        payments: u64,
        seed: u64,
    ) -> (super::generator::GeneratedDay, Vec<super::NetworkRecord>, Vec<super::zelle::ZellePayment>) {
        use super::generator::{self, DayPlan, Outputs};
        use super::{mastercard, visa, zelle, Parsed, Strictness};
        let plan = DayPlan::new(date(business_date), payments, seed);
        let (day, out) = generator::generate(
            &plan,
            &cards(),
            Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() },
        )
        .unwrap();
        let mut records = Vec::new();
        let mut keep = |p: Parsed| {
            if let Parsed::Record(r) = p {
                records.push(r);
            }
        };
        visa::read(&out.visa[..], &cards(), Strictness::Strict, &mut keep).unwrap();
        mastercard::read(&out.mastercard[..], &cards(), Strictness::Strict, &mut keep).unwrap();
        let mut payments = Vec::new();
        zelle::read(&out.zelle[..], Strictness::Strict, |p| payments.push(p.unwrap())).unwrap();
        (day, records, payments)
    }
}
