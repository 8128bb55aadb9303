//! Visa clearing file, Base II style: fixed-width records of 168 bytes.
//!
//! A file is a `90` header, then batches of transaction records each closed by a `91` batch trailer,
//! then one `92` file trailer. Records may each be followed by a line end (`\n` or `\r\n`), as
//! text transfers add; the reader accepts either form, the writer adds `\n`. Positions are 1-based,
//! inclusive; numbers are right-justified zero-filled digits, text left-justified space-filled.
//!
//! **Header, TC 90**
//!
//! | pos | len | field |
//! |---|---|---|
//! | 1-2 | 2 | transaction code `90` |
//! | 3-8 | 6 | processing BIN |
//! | 9-13 | 5 | processing date, `YYDDD` (year 20YY, day of year) |
//! | 14-16 | 3 | file sequence number |
//! | 17-168 | 152 | reserved (spaces) |
//!
//! **Transaction, TC 05 / 06 / 15 / 16 / 25 / 26, TCR 0**
//!
//! | pos | len | field |
//! |---|---|---|
//! | 1-2 | 2 | transaction code: `05` purchase (the card funding a payment), `06` credit to the card, `15` / `16` chargeback of a purchase / credit, `25` / `26` reversal of a purchase / credit |
//! | 3 | 1 | transaction code qualifier `0` |
//! | 4 | 1 | transaction component sequence `0` |
//! | 5-23 | 19 | account number (card number, left-justified) |
//! | 24-26 | 3 | floor limit, CRB, PCAS indicators |
//! | 27-49 | 23 | acquirer reference number (ARN) |
//! | 50-57 | 8 | acquirer business ID |
//! | 58-61 | 4 | purchase date `MMDD` (the year is the latest one not after the processing date) |
//! | 62-73 | 12 | destination (settlement) amount, minor units |
//! | 74-76 | 3 | destination currency, ISO 4217 numeric |
//! | 77-88 | 12 | source (transaction) amount, minor units |
//! | 89-91 | 3 | source currency, ISO 4217 numeric |
//! | 92-116 | 25 | merchant name |
//! | 117-129 | 13 | merchant city |
//! | 130-132 | 3 | merchant country |
//! | 133-136 | 4 | merchant category code |
//! | 137-147 | 11 | merchant ZIP, state, payment service, forms, usage code |
//! | 148-149 | 2 | reason code (chargebacks and reversals; spaces otherwise) |
//! | 150-151 | 2 | settlement flag, authorization characteristics indicator |
//! | 152-157 | 6 | authorization (approval) code |
//! | 158-163 | 6 | terminal capability, fee indicator, ID method, collection flag, POS entry mode |
//! | 164-167 | 4 | central processing date `YDDD` |
//! | 168 | 1 | reimbursement attribute |
//!
//! **Batch trailer TC 91, file trailer TC 92** (same layout; the file trailer covers the whole file)
//!
//! | pos | len | field |
//! |---|---|---|
//! | 1-2 | 2 | transaction code `91` / `92` |
//! | 3-4 | 2 | `00` |
//! | 5-10 | 6 | processing BIN |
//! | 11-15 | 5 | processing date `YYDDD` |
//! | 16-30 | 15 | destination amount total (sum of the destination amount fields) |
//! | 31-42 | 12 | number of monetary transactions |
//! | 43-48 | 6 | batch number (`000000` in the file trailer) |
//! | 49-60 | 12 | number of TCRs |
//! | 61-101 | 41 | reserved |
//! | 102-116 | 15 | source amount total (sum of the source amount fields) |
//! | 117-168 | 52 | reserved |

use std::io::{self, BufRead, BufReader, Read, Write};

use chrono::{Datelike, NaiveDate};

use super::{
    digits, text, CardTokenizer, FileError, FileSummary, Network, NetworkRecord, Parsed, RecordIssue,
    RecordKind, Strictness,
};
use crate::money::{Currency, Money};

pub const RECORD_LEN: usize = 168;

/// The transaction codes of the records that carry money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionCode {
    Purchase,
    Credit,
    ChargebackPurchase,
    ChargebackCredit,
    ReversalPurchase,
    ReversalCredit,
}

impl TransactionCode {
    fn from_code(code: &[u8]) -> Option<Self> {
        Some(match code {
            b"05" => Self::Purchase,
            b"06" => Self::Credit,
            b"15" => Self::ChargebackPurchase,
            b"16" => Self::ChargebackCredit,
            b"25" => Self::ReversalPurchase,
            b"26" => Self::ReversalCredit,
            _ => return None,
        })
    }

    fn code(self) -> &'static str {
        match self {
            Self::Purchase => "05",
            Self::Credit => "06",
            Self::ChargebackPurchase => "15",
            Self::ChargebackCredit => "16",
            Self::ReversalPurchase => "25",
            Self::ReversalCredit => "26",
        }
    }

    fn kind(self) -> RecordKind {
        match self {
            Self::Purchase => RecordKind::Presentment,
            Self::Credit => RecordKind::Disbursement,
            Self::ChargebackPurchase | Self::ChargebackCredit => RecordKind::Chargeback,
            Self::ReversalPurchase | Self::ReversalCredit => RecordKind::Reversal,
        }
    }

    /// Whether the record credits the card.
    fn credits_card(self) -> bool {
        matches!(self, Self::Credit | Self::ChargebackPurchase | Self::ReversalPurchase)
    }
}

/// Field positions (0-based start, exclusive end) of a transaction record.
mod at {
    use std::ops::Range;
    pub const CODE: Range<usize> = 0..2;
    pub const ACCOUNT: Range<usize> = 4..23;
    pub const ARN: Range<usize> = 26..49;
    pub const PURCHASE_DATE: Range<usize> = 57..61;
    pub const DEST_AMOUNT: Range<usize> = 61..73;
    pub const DEST_CURRENCY: Range<usize> = 73..76;
    pub const SOURCE_AMOUNT: Range<usize> = 76..88;
    pub const SOURCE_CURRENCY: Range<usize> = 88..91;
    pub const MERCHANT_NAME: Range<usize> = 91..116;
    pub const MERCHANT_CITY: Range<usize> = 116..129;
    pub const MERCHANT_COUNTRY: Range<usize> = 129..132;
    pub const MCC: Range<usize> = 132..136;
    pub const REASON: Range<usize> = 147..149;
    pub const AUTH_CODE: Range<usize> = 151..157;
    // Header and trailers.
    pub const HEADER_BIN: Range<usize> = 2..8;
    pub const HEADER_DATE: Range<usize> = 8..13;
    pub const TRAILER_BIN: Range<usize> = 4..10;
    pub const TRAILER_DATE: Range<usize> = 10..15;
    pub const TRAILER_DEST_TOTAL: Range<usize> = 15..30;
    pub const TRAILER_COUNT: Range<usize> = 30..42;
    pub const TRAILER_BATCH: Range<usize> = 42..48;
    pub const TRAILER_TCRS: Range<usize> = 48..60;
    pub const TRAILER_SOURCE_TOTAL: Range<usize> = 101..116;
}

/// Running totals of a batch or of the whole file.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    transactions: u64,
    destination: u128,
    source: u128,
    /// Some amount field could not be read, so the amount totals cannot be checked.
    unreadable_amount: bool,
}

/// Reads a whole file, handing each transaction to `emit`, and checks every trailer.
pub fn read<R: Read>(
    input: R,
    cards: &CardTokenizer,
    strictness: Strictness,
    mut emit: impl FnMut(Parsed),
) -> Result<FileSummary, FileError> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut record = [0u8; RECORD_LEN];
    let mut number: u64 = 0;

    // The header.
    if !next_record(&mut input, &mut record, &mut number)? {
        return Err(FileError::new(1, "file header", "a TC 90 header record", "an empty file"));
    }
    if &record[at::CODE] != b"90" {
        return Err(FileError::new(
            number,
            "transaction code",
            "90 (the file header)",
            text(&record[at::CODE]),
        ));
    }
    let processing_date = yyddd(&record[at::HEADER_DATE])
        .ok_or_else(|| FileError::new(number, "processing date", "YYDDD", text(&record[at::HEADER_DATE])))?;
    let bin = record[at::HEADER_BIN].to_vec();

    let (mut batch, mut file) = (Totals::default(), Totals::default());
    let mut issues = 0u64;
    loop {
        if !next_record(&mut input, &mut record, &mut number)? {
            return Err(FileError::new(
                number + 1,
                "file trailer",
                "a TC 92 file trailer",
                "the end of the file",
            ));
        }
        let code = &record[at::CODE];
        if let Some(tc) = TransactionCode::from_code(code) {
            let (parsed, amounts) = transaction(&record, number, tc, processing_date, cards);
            for totals in [&mut batch, &mut file] {
                totals.transactions += 1;
                match amounts {
                    Some((destination, source)) => {
                        totals.destination += u128::from(destination);
                        totals.source += u128::from(source);
                    }
                    None => totals.unreadable_amount = true,
                }
            }
            if let Parsed::Issue(issue) = &parsed {
                issues += 1;
                if strictness == Strictness::Strict {
                    return Err(FileError::new(
                        issue.record,
                        issue.field.clone(),
                        "a valid value (this source is strict)",
                        issue.problem.clone(),
                    ));
                }
            }
            emit(parsed);
            continue;
        }
        match code {
            b"91" => {
                check_trailer(&record, number, &batch, &bin, false)?;
                batch = Totals::default();
            }
            b"92" => {
                if batch.transactions > 0 {
                    return Err(FileError::new(
                        number,
                        "transaction code",
                        "91 (a batch trailer) before the file trailer",
                        "92",
                    ));
                }
                check_trailer(&record, number, &file, &bin, true)?;
                if next_record(&mut input, &mut record, &mut number)? {
                    return Err(FileError::new(
                        number,
                        "record",
                        "nothing after the file trailer",
                        format!("transaction code {}", text(&record[at::CODE])),
                    ));
                }
                return Ok(FileSummary {
                    processing_date,
                    transactions: file.transactions,
                    issues,
                    totals_verified: !file.unreadable_amount,
                });
            }
            other => {
                return Err(FileError::new(
                    number,
                    "transaction code",
                    "05, 06, 15, 16, 25, 26, 91 or 92",
                    String::from_utf8_lossy(other).into_owned(),
                ))
            }
        }
    }
}

/// Reads the next 168-byte record into `record`, skipping a line end after it. `Ok(false)` at the
/// end of the file; a short record is a truncated file.
fn next_record<R: BufRead>(
    input: &mut R,
    record: &mut [u8; RECORD_LEN],
    number: &mut u64,
) -> Result<bool, FileError> {
    let io_error = |n: u64, e: io::Error| FileError::new(n, "file", "readable data", e.to_string());
    let mut filled = 0;
    while filled < RECORD_LEN {
        let read = input.read(&mut record[filled..]).map_err(|e| io_error(*number + 1, e))?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    if filled == 0 {
        return Ok(false);
    }
    *number += 1;
    if filled < RECORD_LEN {
        return Err(FileError::new(
            *number,
            "record length",
            format!("{RECORD_LEN} bytes"),
            format!("{filled} bytes (the file is truncated)"),
        ));
    }
    if record.contains(&b'\n') {
        return Err(FileError::new(
            *number,
            "record length",
            format!("{RECORD_LEN} bytes before the line end"),
            "a shorter line",
        ));
    }
    // An optional line end.
    let peek = input.fill_buf().map_err(|e| io_error(*number, e))?;
    match peek.first() {
        Some(b'\n') => input.consume(1),
        Some(b'\r') => {
            input.consume(1);
            let peek = input.fill_buf().map_err(|e| io_error(*number, e))?;
            if peek.first() == Some(&b'\n') {
                input.consume(1);
            }
        }
        _ => {}
    }
    Ok(true)
}

fn check_trailer(
    record: &[u8],
    number: u64,
    totals: &Totals,
    bin: &[u8],
    whole_file: bool,
) -> Result<(), FileError> {
    let which = if whole_file { "file" } else { "batch" };
    let number_field = |range: std::ops::Range<usize>, field: &'static str| {
        digits(&record[range.clone()])
            .ok_or_else(|| FileError::new(number, field, "digits", text(&record[range])))
    };
    if &record[at::TRAILER_BIN] != bin {
        return Err(FileError::new(
            number,
            "processing BIN",
            String::from_utf8_lossy(bin),
            text(&record[at::TRAILER_BIN]),
        ));
    }
    let count = number_field(at::TRAILER_COUNT, "number of monetary transactions")?;
    if count != totals.transactions {
        return Err(FileError::new(
            number,
            "number of monetary transactions",
            format!("{} (the {which}'s transaction records)", totals.transactions),
            count.to_string(),
        ));
    }
    let tcrs = number_field(at::TRAILER_TCRS, "number of TCRs")?;
    if tcrs != totals.transactions {
        return Err(FileError::new(
            number,
            "number of TCRs",
            totals.transactions.to_string(),
            tcrs.to_string(),
        ));
    }
    if !totals.unreadable_amount {
        let destination = u128::from(number_field(at::TRAILER_DEST_TOTAL, "destination amount total")?);
        if destination != totals.destination {
            return Err(FileError::new(
                number,
                "destination amount total",
                format!("{} (the sum of the {which}'s records)", totals.destination),
                destination.to_string(),
            ));
        }
        let source = u128::from(number_field(at::TRAILER_SOURCE_TOTAL, "source amount total")?);
        if source != totals.source {
            return Err(FileError::new(
                number,
                "source amount total",
                format!("{} (the sum of the {which}'s records)", totals.source),
                source.to_string(),
            ));
        }
    }
    Ok(())
}

/// Reads one transaction record. Also returns its two amounts when they are readable, for the
/// trailer totals (even when another field is bad).
fn transaction(
    record: &[u8; RECORD_LEN],
    number: u64,
    tc: TransactionCode,
    processing_date: NaiveDate,
    cards: &CardTokenizer,
) -> (Parsed, Option<(u64, u64)>) {
    let destination = digits(&record[at::DEST_AMOUNT]);
    let source = digits(&record[at::SOURCE_AMOUNT]);
    let amounts = destination.zip(source);
    let issue = |field: &'static str, problem: String| {
        Parsed::Issue(RecordIssue {
            record: number,
            field: field.to_owned(),
            problem,
            raw: masked(record),
            amount: issue_amount(record),
        })
    };
    let Some(card) = cards.card(&text(&record[at::ACCOUNT])) else {
        return (issue("account number", "not a card number of 12 to 19 digits".into()), amounts);
    };
    let reference = &record[at::ARN];
    if !reference.iter().all(u8::is_ascii_digit) {
        return (
            issue("acquirer reference number", format!("expected 23 digits, found '{}'", text(reference))),
            amounts,
        );
    }
    let Some(transaction_date) = purchase_date(&record[at::PURCHASE_DATE], processing_date) else {
        return (
            issue("purchase date", format!("expected MMDD, found '{}'", text(&record[at::PURCHASE_DATE]))),
            amounts,
        );
    };
    let Some(destination) = destination else {
        return (
            issue(
                "destination amount",
                format!("expected digits, found '{}'", text(&record[at::DEST_AMOUNT])),
            ),
            amounts,
        );
    };
    let Some(source) = source else {
        return (
            issue("source amount", format!("expected digits, found '{}'", text(&record[at::SOURCE_AMOUNT]))),
            amounts,
        );
    };
    let currency = |range: std::ops::Range<usize>| {
        digits(&record[range]).and_then(|n| u16::try_from(n).ok()).and_then(Currency::from_numeric)
    };
    let Some(settlement_currency) = currency(at::DEST_CURRENCY) else {
        return (
            issue(
                "destination currency",
                format!("unknown ISO 4217 code '{}'", text(&record[at::DEST_CURRENCY])),
            ),
            amounts,
        );
    };
    let Some(transaction_currency) = currency(at::SOURCE_CURRENCY) else {
        return (
            issue(
                "source currency",
                format!("unknown ISO 4217 code '{}'", text(&record[at::SOURCE_CURRENCY])),
            ),
            amounts,
        );
    };
    let Some(mcc) = digits(&record[at::MCC]).and_then(|n| u16::try_from(n).ok()) else {
        return (
            issue("merchant category code", format!("expected 4 digits, found '{}'", text(&record[at::MCC]))),
            amounts,
        );
    };
    let (Ok(destination_minor), Ok(source_minor)) = (i64::try_from(destination), i64::try_from(source))
    else {
        return (issue("destination amount", "too large".into()), amounts);
    };
    let reason = text(&record[at::REASON]);
    let parsed = Parsed::Record(NetworkRecord {
        network: Network::Visa,
        record_number: number,
        kind: tc.kind(),
        credit: tc.credits_card(),
        reference: super::lossy(reference).into_owned(),
        card,
        amount: Money::from_minor(source_minor, transaction_currency),
        settlement: Money::from_minor(destination_minor, settlement_currency),
        approval_code: text(&record[at::AUTH_CODE]),
        transaction_date,
        merchant_category: mcc,
        reason_code: (!reason.is_empty()).then_some(reason),
    });
    (parsed, amounts)
}

/// A transaction record as it may be stored: its account number masked to the last four digits,
/// and any other run of digits that could be a card number too.
pub fn masked(record: &[u8]) -> Vec<u8> {
    let mut raw = record.to_vec();
    if let Some(account) = raw.get_mut(at::ACCOUNT) {
        super::card::mask_field(account, super::card::Digits::Ascii);
    }
    super::card::mask_card_like_runs(&mut raw);
    raw
}

/// A bad record's source (transaction) amount, when it and its currency are readable.
fn issue_amount(record: &[u8]) -> Option<Money> {
    let minor = i64::try_from(digits(&record[at::SOURCE_AMOUNT])?).ok()?;
    let currency = Currency::from_numeric(u16::try_from(digits(&record[at::SOURCE_CURRENCY])?).ok()?)?;
    Some(Money::from_minor(minor, currency))
}

/// `YYDDD`: year 20YY, day of the year.
fn yyddd(field: &[u8]) -> Option<NaiveDate> {
    let value = digits(field)?;
    NaiveDate::from_yo_opt(2000 + (value / 1000) as i32, (value % 1000) as u32)
}

/// `MMDD`, in the latest year that does not put it after the processing date.
fn purchase_date(field: &[u8], processing_date: NaiveDate) -> Option<NaiveDate> {
    let value = digits(field)?;
    let (month, day) = ((value / 100) as u32, (value % 100) as u32);
    let this_year = NaiveDate::from_ymd_opt(processing_date.year(), month, day);
    match this_year {
        Some(date) if date <= processing_date => Some(date),
        _ => NaiveDate::from_ymd_opt(processing_date.year() - 1, month, day),
    }
}

/// A transaction to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisaTransaction {
    pub code: TransactionCode,
    pub pan: String,
    pub reference: String,
    pub purchase_date: NaiveDate,
    pub settlement: Money,
    pub amount: Money,
    pub merchant_name: String,
    pub merchant_city: String,
    pub merchant_country: String,
    pub mcc: u16,
    pub reason_code: Option<String>,
    pub approval_code: String,
}

/// Writes a well-formed file: header, batches with their trailers, file trailer.
pub struct VisaWriter<W: Write> {
    out: W,
    bin: String,
    processing_date: NaiveDate,
    batch_size: u64,
    batch: Totals,
    file: Totals,
    batches: u64,
}

impl<W: Write> VisaWriter<W> {
    pub fn new(mut out: W, bin: &str, processing_date: NaiveDate, batch_size: u64) -> io::Result<Self> {
        let mut header = blank();
        put(&mut header, 0..2, "90");
        put(&mut header, at::HEADER_BIN, &format!("{bin:0>6}"));
        put(&mut header, at::HEADER_DATE, &yyddd_text(processing_date));
        put(&mut header, 13..16, "001");
        write_line(&mut out, &header)?;
        Ok(VisaWriter {
            out,
            bin: format!("{bin:0>6}"),
            processing_date,
            batch_size: batch_size.max(1),
            batch: Totals::default(),
            file: Totals::default(),
            batches: 0,
        })
    }

    pub fn write(&mut self, tx: &VisaTransaction) -> io::Result<()> {
        let mut r = blank();
        put(&mut r, at::CODE, tx.code.code());
        put(&mut r, 2..4, "00");
        put(&mut r, at::ACCOUNT, &tx.pan);
        put(&mut r, at::ARN, &tx.reference);
        put(&mut r, 49..57, "10000001");
        put(&mut r, at::PURCHASE_DATE, &tx.purchase_date.format("%m%d").to_string());
        put(&mut r, at::DEST_AMOUNT, &format!("{:012}", tx.settlement.minor()));
        put(&mut r, at::DEST_CURRENCY, &format!("{:03}", tx.settlement.currency().numeric()));
        put(&mut r, at::SOURCE_AMOUNT, &format!("{:012}", tx.amount.minor()));
        put(&mut r, at::SOURCE_CURRENCY, &format!("{:03}", tx.amount.currency().numeric()));
        put(&mut r, at::MERCHANT_NAME, &tx.merchant_name);
        put(&mut r, at::MERCHANT_CITY, &tx.merchant_city);
        put(&mut r, at::MERCHANT_COUNTRY, &tx.merchant_country);
        put(&mut r, at::MCC, &format!("{:04}", tx.mcc));
        if let Some(reason) = &tx.reason_code {
            put(&mut r, at::REASON, reason);
        }
        put(&mut r, at::AUTH_CODE, &tx.approval_code);
        let yddd = yyddd_text(self.processing_date);
        put(&mut r, 163..167, &yddd[1..]);
        write_line(&mut self.out, &r)?;
        for totals in [&mut self.batch, &mut self.file] {
            totals.transactions += 1;
            totals.destination += tx.settlement.minor().unsigned_abs() as u128;
            totals.source += tx.amount.minor().unsigned_abs() as u128;
        }
        if self.batch.transactions == self.batch_size {
            self.close_batch()?;
        }
        Ok(())
    }

    fn close_batch(&mut self) -> io::Result<()> {
        self.batches += 1;
        let trailer = self.trailer("91", &self.batch, self.batches);
        write_line(&mut self.out, &trailer)?;
        self.batch = Totals::default();
        Ok(())
    }

    fn trailer(&self, code: &str, totals: &Totals, batch_number: u64) -> [u8; RECORD_LEN] {
        let mut r = blank();
        put(&mut r, 0..2, code);
        put(&mut r, 2..4, "00");
        put(&mut r, at::TRAILER_BIN, &self.bin);
        put(&mut r, at::TRAILER_DATE, &yyddd_text(self.processing_date));
        put(&mut r, at::TRAILER_DEST_TOTAL, &format!("{:015}", totals.destination));
        put(&mut r, at::TRAILER_COUNT, &format!("{:012}", totals.transactions));
        put(&mut r, at::TRAILER_BATCH, &format!("{batch_number:06}"));
        put(&mut r, at::TRAILER_TCRS, &format!("{:012}", totals.transactions));
        put(&mut r, at::TRAILER_SOURCE_TOTAL, &format!("{:015}", totals.source));
        r
    }

    /// Closes the open batch and writes the file trailer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.batch.transactions > 0 {
            self.close_batch()?;
        }
        let trailer = self.trailer("92", &self.file, 0);
        write_line(&mut self.out, &trailer)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn blank() -> [u8; RECORD_LEN] {
    [b' '; RECORD_LEN]
}

/// Writes `value` into `range`, left-justified and cut to fit.
fn put(record: &mut [u8; RECORD_LEN], range: std::ops::Range<usize>, value: &str) {
    let field = &mut record[range];
    let bytes = value.as_bytes();
    let n = bytes.len().min(field.len());
    field[..n].copy_from_slice(&bytes[..n]);
}

fn yyddd_text(date: NaiveDate) -> String {
    format!("{:02}{:03}", date.year() % 100, date.ordinal())
}

fn write_line<W: Write>(out: &mut W, record: &[u8; RECORD_LEN]) -> io::Result<()> {
    out.write_all(record)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::feeds::testing::{cards, date};

    fn tx(i: u64, code: TransactionCode) -> VisaTransaction {
        VisaTransaction {
            code,
            pan: format!("4{:015}", 111_111_111_111_111 + i),
            reference: format!("7{:022}", 4_000 + i),
            purchase_date: date("2026-11-19"),
            settlement: Money::from_minor(1_000 + i as i64, Currency::USD),
            amount: Money::from_minor(1_000 + i as i64, Currency::USD),
            merchant_name: "ZELLE CARD FUNDING".into(),
            merchant_city: "NEW YORK".into(),
            merchant_country: "US".into(),
            mcc: 4829,
            reason_code: matches!(code, TransactionCode::ChargebackPurchase).then(|| "83".into()),
            approval_code: format!("A{i:05}"),
        }
    }

    fn file(transactions: &[VisaTransaction], batch_size: u64) -> Vec<u8> {
        let mut writer = VisaWriter::new(Vec::new(), "412345", date("2026-11-20"), batch_size).unwrap();
        for t in transactions {
            writer.write(t).unwrap();
        }
        writer.finish().unwrap()
    }

    fn read_all(bytes: &[u8], strictness: Strictness) -> (Result<FileSummary, FileError>, Vec<Parsed>) {
        let mut out = Vec::new();
        let result = read(bytes, &cards(), strictness, |p| out.push(p));
        (result, out)
    }

    fn records(parsed: &[Parsed]) -> Vec<&NetworkRecord> {
        parsed.iter().filter_map(|p| if let Parsed::Record(r) = p { Some(r) } else { None }).collect()
    }

    /// The byte offset of record `n` (1-based) in a `\n`-terminated file.
    fn offset(n: usize) -> usize {
        (n - 1) * (RECORD_LEN + 1)
    }

    #[test]
    fn a_written_file_reads_back_field_for_field() {
        let txs: Vec<_> = (0..7)
            .map(|i| {
                tx(i, if i == 3 { TransactionCode::ChargebackPurchase } else { TransactionCode::Credit })
            })
            .collect();
        let bytes = file(&txs, 3);
        assert_eq!(
            bytes.len(),
            (1 + 7 + 3 + 1) * (RECORD_LEN + 1),
            "header, 7 records, 3 batch trailers, file trailer"
        );
        let (summary, parsed) = read_all(&bytes, Strictness::Lenient);
        let summary = summary.unwrap();
        assert_eq!(
            summary,
            FileSummary {
                processing_date: date("2026-11-20"),
                transactions: 7,
                issues: 0,
                totals_verified: true
            }
        );
        let records = records(&parsed);
        assert_eq!(records.len(), 7);
        let first = records[0];
        assert_eq!(first.record_number, 2);
        assert_eq!((first.kind, first.credit), (RecordKind::Disbursement, true));
        assert_eq!(first.reference, txs[0].reference);
        assert_eq!(first.card, cards().card(&txs[0].pan).unwrap());
        assert_eq!(first.settlement, txs[0].settlement);
        assert_eq!(first.amount, txs[0].amount);
        assert_eq!(first.approval_code, "A00000");
        assert_eq!(first.transaction_date, date("2026-11-19"));
        assert_eq!(first.merchant_category, 4829);
        assert_eq!(first.reason_code, None);
        let chargeback = records[3];
        assert_eq!((chargeback.kind, chargeback.credit), (RecordKind::Chargeback, true));
        assert_eq!(chargeback.reason_code.as_deref(), Some("83"));
        assert_eq!(chargeback.record_number, 6, "after a batch trailer");
    }

    #[test]
    fn records_without_line_ends_read_the_same() {
        let bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Purchase)], 10);
        let packed: Vec<u8> = bytes.iter().copied().filter(|b| *b != b'\n').collect();
        let crlf: Vec<u8> =
            bytes.iter().flat_map(|b| if *b == b'\n' { vec![b'\r', b'\n'] } else { vec![*b] }).collect();
        let (expected, a) = read_all(&bytes, Strictness::Lenient);
        for variant in [packed, crlf] {
            let (summary, b) = read_all(&variant, Strictness::Lenient);
            assert_eq!(summary, expected);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_truncated_file_is_refused_naming_the_record() {
        let bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit)], 10);
        let cut = &bytes[..offset(3) + 100];
        let (result, _) = read_all(cut, Strictness::Lenient);
        let err = result.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (3, "record length"));
        assert_eq!(
            err.to_string(),
            "record 3, record length: expected 168 bytes, found 100 bytes (the file is truncated)"
        );
    }

    #[test]
    fn a_file_that_stops_before_its_trailer_is_refused() {
        let bytes = file(&[tx(1, TransactionCode::Credit)], 10);
        let (result, _) = read_all(&bytes[..offset(4)], Strictness::Lenient);
        let err = result.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (4, "file trailer"));
    }

    #[test]
    fn a_trailer_count_that_disagrees_is_refused() {
        let mut bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit)], 10);
        // The batch trailer is record 4; its transaction count sits at 31-42.
        bytes[offset(4) + 30..offset(4) + 42].copy_from_slice(b"000000000003");
        let err = read_all(&bytes, Strictness::Lenient).0.unwrap_err();
        assert_eq!(err.record, 4);
        assert_eq!(err.field, "number of monetary transactions");
        assert_eq!(err.expected, "2 (the batch's transaction records)");
        assert_eq!(err.found, "3");
    }

    #[test]
    fn a_trailer_total_that_disagrees_is_refused() {
        let mut bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit)], 10);
        // The file trailer is record 5; bump its destination total by one cent.
        bytes[offset(5) + 15..offset(5) + 30].copy_from_slice(b"000000000002004");
        let err = read_all(&bytes, Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (5, "destination amount total"));
        assert_eq!(err.found, "2004");
    }

    #[test]
    fn structure_errors_name_what_was_expected() {
        let bytes = file(&[tx(1, TransactionCode::Credit)], 10);
        let (result, _) = read_all(&bytes[offset(2)..], Strictness::Lenient);
        assert_eq!(result.unwrap_err().field, "transaction code", "no header");
        let mut doubled = bytes.clone();
        doubled.extend_from_slice(&bytes[offset(2)..offset(3)]);
        let err = read_all(&doubled, Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.expected.as_str()), (5, "nothing after the file trailer"));
        let mut unknown = bytes.clone();
        unknown[offset(2)..offset(2) + 2].copy_from_slice(b"44");
        let err = read_all(&unknown, Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.found.as_str()), (2, "44"));
        assert_eq!(read_all(b"", Strictness::Lenient).0.unwrap_err().field, "file header");
    }

    #[test]
    fn a_record_with_a_bad_field_becomes_an_issue_and_the_file_still_reconciles() {
        let mut bytes = file(
            &[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit), tx(3, TransactionCode::Credit)],
            10,
        );
        // Record 3: an unknown currency code.
        bytes[offset(3) + 73..offset(3) + 76].copy_from_slice(b"999");
        let (summary, parsed) = read_all(&bytes, Strictness::Lenient);
        let summary = summary.unwrap();
        assert_eq!((summary.transactions, summary.issues, summary.totals_verified), (3, 1, true));
        assert_eq!(records(&parsed).len(), 2);
        let Parsed::Issue(issue) = &parsed[1] else { panic!("expected an issue: {parsed:?}") };
        assert_eq!((issue.record, issue.field.as_str()), (3, "destination currency"));
        assert_eq!(issue.problem, "unknown ISO 4217 code '999'");
        // The record as it came, but for its account number: masked to the last four digits.
        let original = &bytes[offset(3)..offset(3) + RECORD_LEN];
        assert_eq!(issue.raw[..at::ACCOUNT.start], original[..at::ACCOUNT.start]);
        assert_eq!(issue.raw[at::ACCOUNT.end..], original[at::ACCOUNT.end..]);
        let pan = text(&original[at::ACCOUNT]);
        let masked = format!("{}{}", "*".repeat(pan.len() - 4), &pan[pan.len() - 4..]);
        assert_eq!(text(&issue.raw[at::ACCOUNT]), masked);
        assert_eq!(
            issue.amount,
            Some(tx(2, TransactionCode::Credit).amount),
            "record 3 is the second transaction"
        );
    }

    #[test]
    fn an_unreadable_amount_still_counts_but_the_totals_cannot_be_verified() {
        let mut bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit)], 10);
        bytes[offset(2) + 61..offset(2) + 73].copy_from_slice(b"00000000AB12");
        let (summary, parsed) = read_all(&bytes, Strictness::Lenient);
        let summary = summary.unwrap();
        assert_eq!((summary.transactions, summary.issues, summary.totals_verified), (2, 1, false));
        assert!(matches!(&parsed[0], Parsed::Issue(i) if i.field == "destination amount"));
    }

    #[test]
    fn a_strict_source_refuses_the_whole_file_for_one_bad_record() {
        let mut bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::Credit)], 10);
        bytes[offset(3) + 26..offset(3) + 30].copy_from_slice(b"ABCD");
        let err = read_all(&bytes, Strictness::Strict).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (3, "acquirer reference number"));
    }

    #[test]
    fn card_numbers_never_appear_in_what_is_read() {
        let t = tx(1, TransactionCode::Credit);
        let (_, parsed) = read_all(&file(std::slice::from_ref(&t), 10), Strictness::Lenient);
        assert!(!format!("{parsed:?}").contains(&t.pan));
        assert_eq!(records(&parsed)[0].card.last4, &t.pan[12..]);
    }

    #[test]
    fn a_purchase_date_after_the_processing_day_is_last_year() {
        assert_eq!(purchase_date(b"1231", date("2026-01-02")), Some(date("2025-12-31")));
        assert_eq!(purchase_date(b"0102", date("2026-01-02")), Some(date("2026-01-02")));
        assert_eq!(purchase_date(b"1399", date("2026-01-02")), None);
    }

    proptest! {
        /// Whatever the bytes, reading ends in a result, never a panic.
        #[test]
        fn damaged_files_never_panic(seed in proptest::collection::vec((0usize..2_000, any::<u8>()), 0..20), cut in 0usize..2_100) {
            let mut bytes = file(&[tx(1, TransactionCode::Credit), tx(2, TransactionCode::ReversalPurchase)], 1);
            for (at, value) in seed {
                if at < bytes.len() { bytes[at] = value; }
            }
            bytes.truncate(cut.min(bytes.len()));
            let _ = read_all(&bytes, Strictness::Lenient);
        }

        /// Every written file reads back with its counts, whatever the mix and batching.
        #[test]
        fn written_files_always_reconcile(codes in proptest::collection::vec(0usize..6, 0..40), batch in 1u64..10) {
            const CODES: [TransactionCode; 6] = [
                TransactionCode::Purchase, TransactionCode::Credit, TransactionCode::ChargebackPurchase,
                TransactionCode::ChargebackCredit, TransactionCode::ReversalPurchase, TransactionCode::ReversalCredit,
            ];
            let txs: Vec<_> = codes.iter().enumerate().map(|(i, c)| tx(i as u64, CODES[*c])).collect();
            let (summary, parsed) = read_all(&file(&txs, batch), Strictness::Lenient);
            let summary = summary.unwrap();
            prop_assert_eq!(summary.transactions, txs.len() as u64);
            prop_assert_eq!(records(&parsed).len(), txs.len());
        }
    }
}
