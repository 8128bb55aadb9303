//! The bank's Zelle extract for a business date: CSV, UTF-8, one payment a row.
//!
//! The first line is exactly this header:
//!
//! ```text
//! payment_id,business_date,initiated_at,status,amount,currency,funding_network,network_reference,card_last4,card_token,approval_code
//! ```
//!
//! | column | format |
//! |---|---|
//! | `payment_id` | the bank's payment id, 1-40 characters |
//! | `business_date` | `YYYY-MM-DD` |
//! | `initiated_at` | RFC 3339 with offset, e.g. `2026-11-20T14:03:11Z` |
//! | `status` | `completed`, `pending`, `failed` or `reversed` |
//! | `amount` | decimal with at most the currency's decimal places, positive, e.g. `125.00` |
//! | `currency` | ISO 4217 alphabetic code |
//! | `funding_network` | `visa` or `mastercard` |
//! | `network_reference` | the acquirer reference number when already known (23 digits), else empty |
//! | `card_last4` | the funding card's last four digits |
//! | `card_token` | HMAC-SHA-256 of the card number under the key shared with SettleDesk, hex (the extract never carries card numbers) |
//! | `approval_code` | the authorization approval code, up to 6 characters |
//!
//! After the payments come one `TOTAL,<currency>,<amount>` line per currency present and a last
//! `TRAILER,<number of payment rows>` line, so a truncated extract is caught. A row with a bad value
//! becomes a [`RecordIssue`] (and still counts); a bad header or trailer is a [`FileError`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{CardRef, FileError, Network, RecordIssue, Strictness};
use crate::money::{Currency, Money};

pub const HEADER: [&str; 11] = [
    "payment_id",
    "business_date",
    "initiated_at",
    "status",
    "amount",
    "currency",
    "funding_network",
    "network_reference",
    "card_last4",
    "card_token",
    "approval_code",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    Completed,
    Pending,
    Failed,
    Reversed,
}

impl PaymentStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Reversed => "reversed",
        }
    }

    pub fn from_code(text: &str) -> Option<Self> {
        [Self::Completed, Self::Pending, Self::Failed, Self::Reversed].into_iter().find(|s| s.code() == text)
    }
}

/// One Zelle payment funded by a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZellePayment {
    /// 1-based line number in the extract (the header is line 1).
    pub line: u64,
    pub payment_id: String,
    pub business_date: NaiveDate,
    pub initiated_at: DateTime<Utc>,
    pub status: PaymentStatus,
    pub amount: Money,
    pub network: Network,
    pub network_reference: Option<String>,
    pub card: CardRef,
    pub approval_code: String,
}

/// What the extract holds, checked against its trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractSummary {
    pub payments: u64,
    pub issues: u64,
    pub totals_verified: bool,
}

pub fn read<R: Read>(
    input: R,
    strictness: Strictness,
    mut emit: impl FnMut(Result<ZellePayment, RecordIssue>),
) -> Result<ExtractSummary, FileError> {
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut row = csv::ByteRecord::new();
    let csv_error = |line: u64, e: csv::Error| FileError::new(line, "CSV", "well-formed CSV", e.to_string());

    if !csv.read_byte_record(&mut row).map_err(|e| csv_error(1, e))? {
        return Err(FileError::new(1, "header", HEADER.join(","), "an empty file"));
    }
    let header: Vec<String> = row.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    if header != HEADER {
        return Err(FileError::new(1, "header", HEADER.join(","), header.join(",")));
    }

    let (mut payments, mut issues, mut line) = (0u64, 0u64, 1u64);
    // Sums in minor units per currency (a decimal addition per row cost more than the row).
    let mut totals: BTreeMap<&'static str, (i128, Currency)> = BTreeMap::new();
    let mut amounts_readable = true;
    let mut trailer_totals: BTreeMap<String, Decimal> = BTreeMap::new();
    loop {
        line += 1;
        if !csv.read_byte_record(&mut row).map_err(|e| csv_error(line, e))? {
            return Err(FileError::new(line, "trailer", "a TRAILER,<rows> line", "the end of the file"));
        }
        let first = row.get(0).unwrap_or_default();
        if first == b"TOTAL" {
            let currency = field(&row, 1);
            let amount = Decimal::from_str(&field(&row, 2))
                .map_err(|_| FileError::new(line, "TOTAL amount", "a decimal", field(&row, 2)))?;
            trailer_totals.insert(currency, amount);
            continue;
        }
        if first == b"TRAILER" {
            let count = field(&row, 1);
            if count.parse::<u64>().ok() != Some(payments) {
                return Err(FileError::new(
                    line,
                    "TRAILER row count",
                    format!("{payments} (the payment rows)"),
                    count,
                ));
            }
            if amounts_readable {
                let ours: BTreeMap<String, Decimal> =
                    totals.iter().map(|(c, (sum, cur))| (c.to_string(), cur.decimal(*sum))).collect();
                if ours != trailer_totals {
                    return Err(FileError::new(
                        line,
                        "TOTAL lines",
                        format!("{ours:?}"),
                        format!("{trailer_totals:?}"),
                    ));
                }
            }
            if csv.read_byte_record(&mut row).map_err(|e| csv_error(line + 1, e))? {
                return Err(FileError::new(line + 1, "line", "nothing after the trailer", field(&row, 0)));
            }
            return Ok(ExtractSummary { payments, issues, totals_verified: amounts_readable });
        }
        if !trailer_totals.is_empty() {
            return Err(FileError::new(
                line,
                "line",
                "only TOTAL lines and the TRAILER after the first TOTAL",
                field(&row, 0),
            ));
        }
        payments += 1;
        let parsed = payment(&row, line);
        // The amount counts towards the totals whenever it can be read, even if another field is bad.
        let amount = match &parsed {
            Ok(p) => Some(p.amount),
            Err(_) => readable_amount(&row),
        };
        match amount {
            Some(amount) => {
                totals.entry(amount.currency().code()).or_insert((0, amount.currency())).0 +=
                    i128::from(amount.minor())
            }
            None => amounts_readable = false,
        }
        match &parsed {
            Ok(_) => {}
            Err(issue) => {
                issues += 1;
                if strictness == Strictness::Strict {
                    return Err(FileError::new(
                        line,
                        issue.field.clone(),
                        "a valid value (this source is strict)",
                        issue.problem.clone(),
                    ));
                }
            }
        }
        emit(parsed);
    }
}

fn readable_amount(row: &csv::ByteRecord) -> Option<Money> {
    let currency = Currency::from_code(&text(row, 5))?;
    Money::from_decimal(Decimal::from_str(&text(row, 4)).ok()?, currency).ok()
}

fn field(row: &csv::ByteRecord, i: usize) -> String {
    text(row, i).into_owned()
}

/// A field as text, borrowed from the row unless it is not UTF-8 (then repaired, for messages).
fn text(row: &csv::ByteRecord, i: usize) -> Cow<'_, str> {
    super::lossy(row.get(i).unwrap_or_default())
}

/// `YYYY-MM-DD`, exactly.
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| super::digits(&b[r]).map(|n| n as u32);
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

/// The row as it came (fields joined by commas), kept with an issue.
fn raw_line(row: &csv::ByteRecord) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in row.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(f);
    }
    out
}

fn payment(row: &csv::ByteRecord, line: u64) -> Result<ZellePayment, RecordIssue> {
    // Fields are read borrowed from the row; only a payment's own strings are allocated (this runs
    // for each of millions of rows).
    let issue = |field: &str, problem: String| {
        // The extract carries no card number, but a line is stored as it came: whatever could be
        // one is masked all the same.
        let mut raw = raw_line(row);
        super::card::mask_card_like_runs(&mut raw);
        RecordIssue { record: line, field: field.to_owned(), problem, raw, amount: None }
    };
    if row.len() != HEADER.len() {
        return Err(issue("columns", format!("expected {} columns, found {}", HEADER.len(), row.len())));
    }
    let get = |i: usize| text(row, i);
    let payment_id = get(0);
    if payment_id.is_empty() || payment_id.len() > 40 {
        return Err(issue("payment_id", format!("expected 1-40 characters, found '{payment_id}'")));
    }
    let business_date = iso_date(&get(1))
        .ok_or_else(|| issue("business_date", format!("expected YYYY-MM-DD, found '{}'", get(1))))?;
    let initiated_at = DateTime::parse_from_rfc3339(&get(2))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| issue("initiated_at", format!("expected an RFC 3339 time, found '{}'", get(2))))?;
    let status = PaymentStatus::from_code(&get(3))
        .ok_or_else(|| issue("status", format!("unknown status '{}'", get(3))))?;
    let currency = Currency::from_code(&get(5))
        .ok_or_else(|| issue("currency", format!("unknown currency '{}'", get(5))))?;
    // Unsigned digits and a decimal point, as the extract's format says: no sign, exponent or
    // digit separators (`Decimal::from_str` takes `+125.00` and `1_25.00`).
    let amount = Money::parse_plain(&get(4), currency).map_err(|e| match e {
        crate::money::MoneyError::NotPlain(_) => {
            issue("amount", format!("expected a positive decimal such as 125.00, found '{}'", get(4)))
        }
        other => issue("amount", other.to_string()),
    })?;
    if amount.minor() <= 0 {
        return Err(issue("amount", format!("must be positive, found '{}'", get(4))));
    }
    let network = Network::from_code(&get(6)).ok_or_else(|| {
        issue("funding_network", format!("expected visa or mastercard, found '{}'", get(6)))
    })?;
    let reference = get(7);
    let network_reference = match &*reference {
        "" => None,
        r if r.len() == 23 && r.bytes().all(|b| b.is_ascii_digit()) => Some(r.to_owned()),
        r => return Err(issue("network_reference", format!("expected 23 digits or nothing, found '{r}'"))),
    };
    let last4 = get(8);
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(issue("card_last4", format!("expected 4 digits, found '{last4}'")));
    }
    let token = get(9);
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(issue("card_token", "expected 64 hex digits".into()));
    }
    let approval_code = get(10);
    if approval_code.len() > 6 {
        return Err(issue("approval_code", format!("expected up to 6 characters, found '{approval_code}'")));
    }
    Ok(ZellePayment {
        line,
        payment_id: payment_id.into_owned(),
        business_date,
        initiated_at,
        status,
        amount,
        network,
        network_reference,
        card: CardRef { last4: last4.into_owned(), fingerprint: token.to_ascii_lowercase() },
        approval_code: approval_code.into_owned(),
    })
}

/// Writes an extract with its totals and trailer.
pub struct ZelleWriter<W: Write> {
    csv: csv::Writer<W>,
    rows: u64,
    totals: BTreeMap<&'static str, Decimal>,
}

impl<W: Write> ZelleWriter<W> {
    pub fn new(out: W) -> csv::Result<Self> {
        let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(out);
        csv.write_record(HEADER)?;
        Ok(ZelleWriter { csv, rows: 0, totals: BTreeMap::new() })
    }

    pub fn write(&mut self, p: &ZellePayment) -> csv::Result<()> {
        let amount = p.amount.to_decimal().to_string();
        let initiated = p.initiated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let network = p.network.code();
        self.csv.write_record([
            p.payment_id.as_str(),
            &p.business_date.to_string(),
            &initiated,
            p.status.code(),
            &amount,
            p.amount.currency().code(),
            network,
            p.network_reference.as_deref().unwrap_or(""),
            &p.card.last4,
            &p.card.fingerprint,
            &p.approval_code,
        ])?;
        self.rows += 1;
        *self.totals.entry(p.amount.currency().code()).or_default() += p.amount.to_decimal();
        Ok(())
    }

    pub fn finish(mut self) -> csv::Result<W> {
        for (currency, total) in &self.totals {
            self.csv.write_record(["TOTAL", currency, &total.to_string()])?;
        }
        self.csv.write_record(["TRAILER", &self.rows.to_string()])?;
        self.csv.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::CardTokenizer;

    #[test]
    fn business_dates_are_exactly_iso() {
        assert_eq!(iso_date("2026-11-20"), NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(iso_date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in ["2026-02-29", "2026-13-01", "2026-1-20", "2026/11/20", "+026-11-20", "2026-11-2x", ""] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
    }

    fn payment(i: u64, currency: &str, minor: i64) -> ZellePayment {
        ZellePayment {
            line: 0,
            payment_id: format!("ZP{i:010}"),
            business_date: "2026-11-20".parse().unwrap(),
            initiated_at: "2026-11-20T14:03:11Z".parse().unwrap(),
            status: PaymentStatus::Completed,
            amount: Money::from_minor(minor, Currency::from_code(currency).unwrap()),
            network: if i % 2 == 0 { Network::Visa } else { Network::Mastercard },
            network_reference: (i % 3 != 0).then(|| format!("7{:022}", i)),
            card: CardTokenizer::new(b"k").card(&format!("4{:015}", i)).unwrap(),
            approval_code: format!("A{i:05}"),
        }
    }

    fn extract(payments: &[ZellePayment]) -> Vec<u8> {
        let mut w = ZelleWriter::new(Vec::new()).unwrap();
        for p in payments {
            w.write(p).unwrap();
        }
        w.finish().unwrap()
    }

    fn read_all(
        bytes: &[u8],
        strictness: Strictness,
    ) -> (Result<ExtractSummary, FileError>, Vec<Result<ZellePayment, RecordIssue>>) {
        let mut out = Vec::new();
        let result = read(bytes, strictness, |p| out.push(p));
        (result, out)
    }

    #[test]
    fn an_extract_reads_back_row_for_row() {
        let payments: Vec<_> =
            (0..5).map(|i| payment(i, if i == 4 { "EUR" } else { "USD" }, 12_500 + i as i64)).collect();
        let bytes = extract(&payments);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.ends_with("TOTAL,EUR,125.04\nTOTAL,USD,500.06\nTRAILER,5\n"), "{text}");
        let (summary, rows) = read_all(&bytes, Strictness::Lenient);
        assert_eq!(summary.unwrap(), ExtractSummary { payments: 5, issues: 0, totals_verified: true });
        for (i, (row, expected)) in rows.iter().zip(&payments).enumerate() {
            let row = row.as_ref().unwrap();
            assert_eq!(row, &ZellePayment { line: i as u64 + 2, ..expected.clone() });
        }
    }

    #[test]
    fn a_truncated_extract_is_refused() {
        let bytes = extract(&[payment(1, "USD", 100), payment(2, "USD", 200)]);
        let text = String::from_utf8(bytes).unwrap();
        let cut = &text[..text.find("TOTAL").unwrap()];
        let err = read_all(cut.as_bytes(), Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (4, "trailer"));
    }

    #[test]
    fn a_trailer_that_disagrees_is_refused() {
        let text = String::from_utf8(extract(&[payment(1, "USD", 100), payment(2, "USD", 200)])).unwrap();
        let err =
            read_all(text.replace("TRAILER,2", "TRAILER,3").as_bytes(), Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str(), err.found.as_str()), (5, "TRAILER row count", "3"));
        let err = read_all(text.replace("TOTAL,USD,3.00", "TOTAL,USD,3.01").as_bytes(), Strictness::Lenient)
            .0
            .unwrap_err();
        assert_eq!(err.field, "TOTAL lines");
    }

    #[test]
    fn a_wrong_header_is_refused_with_the_expected_one() {
        let text = String::from_utf8(extract(&[payment(1, "USD", 100)])).unwrap();
        let err =
            read_all(text.replacen("payment_id", "id", 1).as_bytes(), Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (1, "header"));
        assert_eq!(err.expected, HEADER.join(","));
    }

    #[test]
    fn a_bad_row_becomes_an_issue_and_the_extract_still_loads() {
        let text = String::from_utf8(extract(&[
            payment(1, "USD", 100),
            payment(2, "USD", 200),
            payment(3, "USD", 300),
        ]))
        .unwrap();
        let damaged = text.replace(",completed,2.00,", ",settled,2.00,");
        let (summary, rows) = read_all(damaged.as_bytes(), Strictness::Lenient);
        assert_eq!(
            summary.unwrap(),
            ExtractSummary { payments: 3, issues: 1, totals_verified: true },
            "its amount still counts"
        );
        let issue = rows[1].as_ref().unwrap_err();
        assert_eq!(
            (issue.record, issue.field.as_str(), issue.problem.as_str()),
            (3, "status", "unknown status 'settled'")
        );
        assert!(String::from_utf8_lossy(&issue.raw).starts_with("ZP0000000002,2026-11-20"));
        let err = read_all(damaged.as_bytes(), Strictness::Strict).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (3, "status"));
    }

    #[test]
    fn an_amount_is_plain_digits_with_no_sign_or_separators() {
        let text = String::from_utf8(extract(&[payment(1, "USD", 12_500)])).unwrap();
        for written in ["+125.00", "-125.00", "1_25.00", "1e2", "0.00"] {
            let damaged = text.replace(",125.00,USD,", &format!(",{written},USD,"));
            let (_, rows) = read_all(damaged.as_bytes(), Strictness::Lenient);
            let issue = rows[0].as_ref().expect_err(written);
            assert_eq!(issue.field, "amount", "{written}");
        }
    }

    #[test]
    fn amounts_are_exact_to_the_currency() {
        let text = String::from_utf8(extract(&[payment(1, "USD", 100)])).unwrap();
        let (summary, rows) =
            read_all(text.replace(",1.00,USD,", ",1.005,USD,").as_bytes(), Strictness::Lenient);
        assert!(!summary.unwrap().totals_verified, "an unreadable amount cannot be totalled");
        let issue = rows[0].as_ref().unwrap_err();
        assert_eq!(issue.field, "amount");
        assert_eq!(issue.problem, "1.005 has more decimal places than USD allows (2)");
    }
}
