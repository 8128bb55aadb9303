//! The three daily report files (matches, mismatches, resettlements) and their manifest.
//!
//! Each file is CSV with a header; amounts are decimals in their currency's scale. Mismatches
//! include the Zelle payments past their grace period with no network record (`zelle_only`) and
//! the network records that could not be read (`unreadable_record`: the file, the record number,
//! the field and the problem; never the record itself, which may hold a card number). The
//! manifest lists, per file, its rows, its amount total per currency and its SHA-256, so anyone can
//! check a file they downloaded, and the day's control totals (`super::control`).

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::day_files::UnreadableRecord;
use super::engine::{Class, MismatchReason, Outcome, PaymentState, Reconciliation, ResettlementReason};
use crate::export::text_cell;
use crate::feeds::zelle::{PaymentStatus, ZellePayment};
use crate::feeds::NetworkRecord;
use crate::money::{Currency, Money};

pub const HEADER: [&str; 18] = [
    "class",
    "reason",
    "network",
    "network_reference",
    "record_number",
    "card_last4",
    "transaction_date",
    "amount",
    "currency",
    "settlement_amount",
    "settlement_currency",
    "approval_code",
    "payment_id",
    "zelle_amount",
    "zelle_status",
    // An unreadable record's file, bad field and what is wrong with it (empty on other rows).
    "file",
    "field",
    "problem",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFile {
    pub name: String,
    pub rows: u64,
    /// Sum of the `amount` column per currency (for Zelle-only rows, the Zelle amount).
    pub totals: BTreeMap<String, Decimal>,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub business_date: chrono::NaiveDate,
    pub version: u32,
    pub rule_set_version: u32,
    pub files: Vec<ReportFile>,
    /// Per network file of the day: records in the file = matched + mismatched + resettlement +
    /// unreadable, in counts and amounts per currency (empty in manifests from before it was kept).
    #[serde(default)]
    pub controls: Vec<super::control::FileControl>,
    /// The audit chain's head when the reports were written: kept outside the database, so that
    /// `server audit verify` can tell a trail rewritten wholesale (see [`crate::audit::Anchor`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<crate::audit::Anchor>,
}

/// A report file being written: rows, totals and the running hash.
struct Report<W: Write> {
    name: String,
    csv: csv::Writer<Hashing<W>>,
    rows: u64,
    /// Minor units per currency, in the order first seen (a day has a handful of currencies).
    totals: Vec<(Currency, i128)>,
}

impl<W: Write> Report<W> {
    fn new(name: String, out: W) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(Hashing { out, hash: Sha256::new() });
        csv.write_record(HEADER).map_err(io::Error::other)?;
        Ok(Report { name, csv, rows: 0, totals: Vec::new() })
    }

    /// One row, its fields borrowed (a report row allocates nothing), adding `amount` to the totals
    /// (an unreadable record's amount may be unknown).
    fn row(&mut self, fields: [&str; 18], amount: Option<Money>) -> io::Result<()> {
        self.csv.write_record(fields).map_err(io::Error::other)?;
        self.rows += 1;
        let Some(amount) = amount else { return Ok(()) };
        let currency = amount.currency();
        match self.totals.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, total)) => *total += i128::from(amount.minor()),
            None => self.totals.push((currency, i128::from(amount.minor()))),
        }
        Ok(())
    }

    fn finish(self) -> io::Result<(ReportFile, W)> {
        let hashing = self.csv.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        let file = ReportFile {
            name: self.name,
            rows: self.rows,
            totals: (self.totals.into_iter())
                .map(|(c, minor)| (c.code().to_owned(), c.decimal(minor)))
                .collect(),
            sha256: hex::encode(hashing.hash.finalize()),
        };
        Ok((file, hashing.out))
    }
}

/// Passes bytes through while hashing them.
struct Hashing<W: Write> {
    out: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A date as `NaiveDate`'s `Display` writes it, without allocating for the years every file has
/// (0 to 9999: `YYYY-MM-DD`).
enum DateText {
    Iso([u8; 10]),
    Other(String),
}

impl DateText {
    fn of(date: NaiveDate) -> DateText {
        let Ok(year @ 0..=9999) = u32::try_from(date.year()) else {
            return DateText::Other(date.to_string());
        };
        let mut text = *b"0000-00-00";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for i in (at..at + width).rev() {
                text[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, date.month());
        put(8, 2, date.day());
        DateText::Iso(text)
    }

    fn as_str(&self) -> &str {
        match self {
            DateText::Iso(text) => std::str::from_utf8(text).expect("ASCII digits and dashes"),
            DateText::Other(text) => text,
        }
    }
}

/// The three outputs, in the order matches, mismatches, resettlements.
pub struct ReportOutputs<W: Write> {
    pub matches: W,
    pub mismatches: W,
    pub resettlements: W,
}

/// What a report row shows of the payment a record found.
#[derive(Debug, Clone, Copy)]
pub struct PaymentView<'a> {
    pub payment_id: &'a str,
    pub amount: Money,
    pub status: PaymentStatus,
}

impl<'a> From<&'a ZellePayment> for PaymentView<'a> {
    fn from(p: &'a ZellePayment) -> Self {
        PaymentView { payment_id: &p.payment_id, amount: p.amount, status: p.status }
    }
}

/// Writes the three reports one row at a time, so a day of any size streams through.
pub struct ReportWriter<W: Write> {
    business_date: chrono::NaiveDate,
    version: u32,
    rule_set_version: u32,
    matches: Report<W>,
    mismatches: Report<W>,
    resettlements: Report<W>,
}

impl<W: Write> ReportWriter<W> {
    pub fn new(
        business_date: chrono::NaiveDate,
        version: u32,
        rule_set_version: u32,
        out: ReportOutputs<W>,
    ) -> io::Result<Self> {
        let file = |kind: &str| format!("{kind}-{business_date}-v{version}.csv");
        Ok(ReportWriter {
            business_date,
            version,
            rule_set_version,
            matches: Report::new(file("matches"), out.matches)?,
            mismatches: Report::new(file("mismatches"), out.mismatches)?,
            resettlements: Report::new(file("resettlements"), out.resettlements)?,
        })
    }

    /// A classified network record, with the payment it found if any.
    pub fn record(
        &mut self,
        record: &NetworkRecord,
        class: Class,
        payment: Option<PaymentView>,
    ) -> io::Result<()> {
        let (report, class_name, reason) = match class {
            Class::Match => (&mut self.matches, "match", ""),
            Class::Mismatch(reason) => (&mut self.mismatches, "mismatch", mismatch_code(reason)),
            Class::Resettlement(reason) => {
                (&mut self.resettlements, "resettlement", resettlement_code(reason))
            }
        };
        let mut record_number = itoa::Buffer::new();
        let record_number = record_number.format(record.record_number);
        let date = DateText::of(record.transaction_date);
        let zelle_amount = payment.map(|p| p.amount.plain());
        report.row(
            [
                class_name,
                reason,
                record.network.code(),
                &record.reference,
                record_number,
                &record.card.last4,
                date.as_str(),
                record.amount.plain().as_str(),
                record.amount.currency().code(),
                record.settlement.plain().as_str(),
                record.settlement.currency().code(),
                &text_cell(&record.approval_code),
                &text_cell(payment.map_or("", |p| p.payment_id)),
                zelle_amount.as_ref().map_or("", |a| a.as_str()),
                payment.map_or("", |p| p.status.code()),
                "",
                "",
                "",
            ],
            Some(record.amount),
        )
    }

    /// A network record that could not be read: where it is and what is wrong with it.
    pub fn unreadable(&mut self, record: &UnreadableRecord) -> io::Result<()> {
        let mut record_number = itoa::Buffer::new();
        let amount = record.amount.map(|a| a.plain());
        self.mismatches.row(
            [
                "mismatch",
                UNREADABLE_CODE,
                record.network.code(),
                "",
                record_number.format(record.record_number),
                "",
                "",
                amount.as_ref().map_or("", |a| a.as_str()),
                record.amount.map_or("", |a| a.currency().code()),
                "",
                "",
                "",
                "",
                "",
                "",
                &text_cell(&record.file_key),
                &text_cell(&record.field),
                &text_cell(&record.problem),
            ],
            record.amount,
        )
    }

    /// A payment past its grace period with no network record.
    pub fn zelle_only(&mut self, payment: &ZellePayment) -> io::Result<()> {
        let amount = payment.amount.plain();
        self.mismatches.row(
            [
                "mismatch",
                ZELLE_ONLY_CODE,
                payment.network.code(),
                payment.network_reference.as_deref().unwrap_or_default(),
                "",
                &payment.card.last4,
                DateText::of(payment.business_date).as_str(),
                amount.as_str(),
                payment.amount.currency().code(),
                "",
                "",
                &text_cell(&payment.approval_code),
                &text_cell(&payment.payment_id),
                amount.as_str(),
                payment.status.code(),
                "",
                "",
                "",
            ],
            Some(payment.amount),
        )
    }

    pub fn finish(self) -> io::Result<(Manifest, ReportOutputs<W>)> {
        let (m, matches) = self.matches.finish()?;
        let (x, mismatches) = self.mismatches.finish()?;
        let (r, resettlements) = self.resettlements.finish()?;
        let manifest = Manifest {
            business_date: self.business_date,
            version: self.version,
            rule_set_version: self.rule_set_version,
            files: vec![m, x, r],
            controls: Vec::new(),
            audit_head: None,
        };
        Ok((manifest, ReportOutputs { matches, mismatches, resettlements }))
    }
}

/// Writes the three reports of a reconciliation held in memory, and returns the manifest and the
/// writers.
pub fn write_reports<W: Write>(
    business_date: chrono::NaiveDate,
    version: u32,
    records: &[NetworkRecord],
    payments: &[ZellePayment],
    result: &Reconciliation,
    out: ReportOutputs<W>,
) -> io::Result<(Manifest, ReportOutputs<W>)> {
    let mut writer = ReportWriter::new(business_date, version, result.rule_set_version, out)?;
    for (record, outcome) in records.iter().zip(&result.records) {
        if let Outcome::Classified { class, payment, .. } = outcome {
            writer.record(record, *class, payment.map(|p| PaymentView::from(&payments[p as usize])))?;
        }
    }
    for (payment, state) in payments.iter().zip(&result.payments) {
        if *state == PaymentState::ZelleOnly {
            writer.zelle_only(payment)?;
        }
    }
    writer.finish()
}

pub fn mismatch_code(reason: MismatchReason) -> &'static str {
    match reason {
        MismatchReason::AmountDiffers => "amount_differs",
        MismatchReason::CurrencyDiffers => "currency_differs",
        MismatchReason::NetworkOnly => "network_only",
        MismatchReason::DuplicatePresentment => "duplicate_presentment",
        MismatchReason::StatusConflict => "status_conflict",
    }
}

/// The reason a Zelle payment past its grace period with no network record is a mismatch.
pub const ZELLE_ONLY_CODE: &str = "zelle_only";

/// The reason of a network record that could not be read (a field no reader accepts).
pub const UNREADABLE_CODE: &str = "unreadable_record";

/// The class an item's reason code belongs to: every reason is of exactly one class, so a filter
/// by reason alone can be answered from the per-class indexes.
pub fn class_of_reason(code: &str) -> Option<&'static str> {
    use MismatchReason as M;
    use ResettlementReason as R;
    let mismatch =
        [M::AmountDiffers, M::CurrencyDiffers, M::NetworkOnly, M::DuplicatePresentment, M::StatusConflict];
    let resettlement = [R::Chargeback, R::Reversal, R::Fee, R::CrossCurrency];
    if code == ZELLE_ONLY_CODE
        || code == UNREADABLE_CODE
        || mismatch.into_iter().any(|r| mismatch_code(r) == code)
    {
        Some("mismatch")
    } else if resettlement.into_iter().any(|r| resettlement_code(r) == code) {
        Some("resettlement")
    } else {
        None
    }
}

pub fn resettlement_code(reason: ResettlementReason) -> &'static str {
    match reason {
        ResettlementReason::Chargeback => "chargeback",
        ResettlementReason::Reversal => "reversal",
        ResettlementReason::Fee => "fee",
        ResettlementReason::CrossCurrency => "cross_currency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_their_display_text() {
        for text in ["2026-11-20", "0001-01-01", "9999-12-31", "2024-02-29"] {
            let day: NaiveDate = text.parse().unwrap();
            assert_eq!(DateText::of(day).as_str(), day.to_string());
        }
        let far = NaiveDate::from_ymd_opt(12_345, 6, 7).unwrap();
        assert_eq!(DateText::of(far).as_str(), far.to_string());
        let before = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        assert_eq!(DateText::of(before).as_str(), before.to_string());
    }

    #[test]
    fn every_reason_names_its_class() {
        assert_eq!(class_of_reason("amount_differs"), Some("mismatch"));
        assert_eq!(class_of_reason(ZELLE_ONLY_CODE), Some("mismatch"));
        assert_eq!(class_of_reason(UNREADABLE_CODE), Some("mismatch"));
        assert_eq!(class_of_reason(mismatch_code(MismatchReason::StatusConflict)), Some("mismatch"));
        assert_eq!(class_of_reason("chargeback"), Some("resettlement"));
        assert_eq!(
            class_of_reason(resettlement_code(ResettlementReason::CrossCurrency)),
            Some("resettlement")
        );
        assert_eq!(class_of_reason("no_such_reason"), None);
        assert_eq!(class_of_reason(""), None);
    }
    use crate::feeds::testing::{date, parsed_day};
    use crate::recon::{reconcile, RuleSet};

    fn reconciled_day(run: &str) -> (Vec<NetworkRecord>, Vec<ZellePayment>, Reconciliation) {
        let (_, records, payments) = parsed_day("2026-11-20", 3_000, 9);
        let result = reconcile(
            &records,
            &payments,
            date(run),
            &RuleSet::default(),
            &crate::calendar::Holidays::none(),
        );
        (records, payments, result)
    }

    fn write(run: &str) -> (Manifest, ReportOutputs<Vec<u8>>, Reconciliation) {
        let (records, payments, result) = reconciled_day(run);
        let out = ReportOutputs { matches: Vec::new(), mismatches: Vec::new(), resettlements: Vec::new() };
        let (manifest, out) =
            write_reports(date("2026-11-20"), 1, &records, &payments, &result, out).unwrap();
        (manifest, out, result)
    }

    fn data_rows(bytes: &[u8]) -> usize {
        String::from_utf8(bytes.to_vec()).unwrap().lines().count() - 1
    }

    #[test]
    fn the_three_files_hold_every_classified_record_once_and_the_manifest_describes_them() {
        let (manifest, out, result) = write("2026-11-20");
        let counts = result.class_counts();
        let of = |f: fn(&Class) -> bool| counts.iter().filter(|(c, _)| f(c)).map(|(_, n)| *n).sum::<u64>();
        assert_eq!(manifest.files[0].rows, of(|c| *c == Class::Match));
        assert_eq!(manifest.files[1].rows, of(|c| matches!(c, Class::Mismatch(_))));
        assert_eq!(manifest.files[2].rows, of(|c| matches!(c, Class::Resettlement(_))));
        for (file, bytes) in manifest.files.iter().zip([&out.matches, &out.mismatches, &out.resettlements]) {
            assert_eq!(data_rows(bytes) as u64, file.rows, "{}", file.name);
            assert_eq!(file.sha256, hex::encode(Sha256::digest(bytes)), "{}", file.name);
        }
        assert_eq!(manifest.files[0].name, "matches-2026-11-20-v1.csv");
        assert!(String::from_utf8(out.mismatches.clone()).unwrap().starts_with(&HEADER.join(",")));
        // The totals are the sums of the amount column.
        let text = String::from_utf8(out.matches).unwrap();
        let sum: Decimal =
            text.lines().skip(1).map(|l| l.split(',').nth(7).unwrap().parse::<Decimal>().unwrap()).sum();
        assert_eq!(manifest.files[0].totals["USD"], sum);
    }

    #[test]
    fn zelle_only_payments_join_the_mismatches_once_their_grace_has_passed() {
        let (today, ..) = write("2026-11-20");
        let (later, out, result) = write("2026-11-25");
        let zelle_only = result.payments.iter().filter(|s| **s == PaymentState::ZelleOnly).count() as u64;
        assert!(zelle_only > 0);
        assert_eq!(later.files[1].rows, today.files[1].rows + zelle_only);
        assert_eq!(
            String::from_utf8(out.mismatches).unwrap().matches(",zelle_only,").count() as u64,
            zelle_only
        );
    }

    #[test]
    fn text_from_the_feeds_never_reaches_a_spreadsheet_as_a_formula() {
        let (mut records, mut payments, _) = reconciled_day("2026-11-25");
        for record in records.iter_mut().step_by(7) {
            record.approval_code = "=1+1".into();
        }
        for payment in payments.iter_mut().step_by(5) {
            payment.payment_id = "@SUM(A1:A9)".into();
            payment.approval_code = "+CMD".into();
        }
        let result = reconcile(
            &records,
            &payments,
            date("2026-11-25"),
            &RuleSet::default(),
            &crate::calendar::Holidays::none(),
        );
        let out = ReportOutputs { matches: Vec::new(), mismatches: Vec::new(), resettlements: Vec::new() };
        let (_, out) = write_reports(date("2026-11-20"), 1, &records, &payments, &result, out).unwrap();
        let mut guarded = 0;
        for bytes in [&out.matches, &out.mismatches, &out.resettlements] {
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            for row in reader.records() {
                for (column, cell) in row.unwrap().iter().enumerate() {
                    // The amount columns are numbers: a refund's minus sign is a number's.
                    if [7, 9, 13].contains(&column) {
                        assert!(cell.is_empty() || cell.parse::<Decimal>().is_ok(), "{cell}");
                        continue;
                    }
                    assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "column {column}: {cell}");
                    guarded += usize::from(cell.starts_with("'"));
                }
            }
        }
        assert!(guarded > 0, "the planted formulas were written, guarded");
    }

    #[test]
    fn the_same_day_writes_the_same_bytes() {
        let (a, out_a, _) = write("2026-11-20");
        let (b, out_b, _) = write("2026-11-20");
        assert_eq!(a, b);
        assert_eq!(out_a.mismatches, out_b.mismatches);
    }
}
