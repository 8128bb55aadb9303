//! A run's items as binary `COPY` rows: numbered in the order they are written, counted per class
//! and reason, with each network's range of seq. Matches go to rows of their own, compact (see
//! migration 0032): the record and payment they pair, and of the record's fields only those the
//! payment does not already say.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::day_files::UnreadableRecord;
use super::engine::{Class, MatchKey};
use super::keys::{surely_code, surely_reference, PaymentKeys};
use super::report::{mismatch_code, resettlement_code};
use crate::db::BinaryRows;
use crate::feeds::zelle::ZellePayment;
use crate::feeds::{Network, NetworkRecord};
use crate::money::Money;

/// Item rows are sent to `COPY` in chunks of about this many bytes.
pub(super) const CHUNK: usize = 1 << 20;

fn class_names(class: &Class) -> (&'static str, &'static str) {
    match class {
        Class::Match => ("match", ""),
        Class::Mismatch(reason) => ("mismatch", mismatch_code(*reason)),
        Class::Resettlement(reason) => ("resettlement", resettlement_code(*reason)),
    }
}

/// The run's items as binary `COPY` rows, numbered in the order they are written, with counts per
/// class and reason.
pub(super) struct ItemRows {
    run_id: i64,
    seq: u64,
    pub(super) rows: BinaryRows,
    /// Matches, for `recon_match`.
    pub(super) matches: BinaryRows,
    /// Items per class and reason.
    counts: BTreeMap<(&'static str, &'static str), u64>,
    /// Each network's first and last seq.
    pub(super) networks: BTreeMap<&'static str, (u64, u64)>,
    /// The exceptions written, as work items are opened from them.
    pub(super) exceptions: crate::exceptions::Reported,
    /// The extracts the matches took payments from.
    pub(super) payment_files: std::collections::BTreeSet<i64>,
}

impl ItemRows {
    pub(super) fn new(run_id: i64) -> ItemRows {
        let mut rows = BinaryRows::new(CHUNK + 4096);
        rows.header();
        let mut matches = BinaryRows::new(CHUNK + 4096);
        matches.header();
        ItemRows {
            run_id,
            seq: 0,
            rows,
            matches,
            counts: BTreeMap::new(),
            networks: BTreeMap::new(),
            exceptions: crate::exceptions::Reported::default(),
            payment_files: std::collections::BTreeSet::new(),
        }
    }

    pub(super) fn record(&mut self, r: &NetworkRecord, class: Class, payment_id: Option<&str>, file_id: i64) {
        let (class, reason) = class_names(&class);
        self.row(
            class,
            reason,
            r.network,
            [&r.reference, &r.card.last4],
            r.transaction_date,
            Some(r.amount),
            [&r.approval_code, payment_id.unwrap_or("")],
            Subject::Record { file_id, record: r },
        );
    }

    /// A record that matched `payment` (stored at `payment_at`, its extract's file and line) by
    /// `rule`.
    pub(super) fn matched(
        &mut self,
        r: &NetworkRecord,
        file_id: i64,
        payment: &PaymentKeys,
        (payment_file, payment_line): (i64, i64),
        rule: MatchKey,
    ) {
        let seq = self.number("match", "", r.network);
        self.payment_files.insert(payment_file);
        let out = &mut self.matches;
        out.row(19)
            .int8(self.run_id)
            .int8(seq)
            .int8(file_id)
            .int8(r.record_number as i64)
            .int8(payment_file)
            .int8(payment_line)
            .text(rule.code())
            .date(r.transaction_date)
            .text(r.kind.code())
            .int4(i32::from(r.merchant_category))
            .int8(r.amount.minor());
        // The record's own word only where the payment's could differ from it (a hashed key is
        // not proof of the same text).
        if r.network == payment.network {
            out.null()
        } else {
            out.text(r.network.code())
        };
        if surely_reference(&r.reference, payment.reference) {
            out.null()
        } else {
            out.text(&r.reference)
        };
        if surely_code(&r.card.last4, payment.last4) {
            out.null()
        } else {
            out.text(&r.card.last4)
        };
        if r.amount.currency().numeric() == payment.amount.currency {
            out.null()
        } else {
            out.text(r.amount.currency().code())
        };
        if r.settlement == r.amount {
            out.null().null()
        } else {
            out.int8(r.settlement.minor()).text(r.settlement.currency().code())
        };
        if surely_code(&r.approval_code, payment.approval) {
            out.null()
        } else {
            out.text(&r.approval_code)
        };
        out.text_or_null(r.reason_code.as_deref().unwrap_or(""));
    }

    /// The next seq, counted in its class and reason and in its network's range.
    fn number(&mut self, class: &'static str, reason: &'static str, network: Network) -> i64 {
        *self.counts.entry((class, reason)).or_default() += 1;
        self.seq += 1;
        let range = self.networks.entry(network.code()).or_insert((self.seq, self.seq));
        range.1 = self.seq;
        self.seq as i64
    }

    /// An unreadable record: what is known of it is where it is (and its amount, when readable).
    /// It is dated the run's business date, whose file it came in.
    pub(super) fn unreadable(&mut self, r: &UnreadableRecord, date: NaiveDate) {
        self.row(
            "mismatch",
            super::report::UNREADABLE_CODE,
            r.network,
            ["", ""],
            date,
            r.amount,
            ["", ""],
            Subject::Unreadable { file_id: r.file_id, record_number: r.record_number },
        );
    }

    pub(super) fn zelle_only(&mut self, p: &ZellePayment) {
        self.row(
            "mismatch",
            super::report::ZELLE_ONLY_CODE,
            p.network,
            [p.network_reference.as_deref().unwrap_or(""), &p.card.last4],
            p.business_date,
            Some(p.amount),
            [&p.approval_code, &p.payment_id],
            Subject::Payment,
        );
    }

    #[expect(clippy::too_many_arguments, reason = "one row, grouped as the columns are")]
    fn row(
        &mut self,
        class: &'static str,
        reason: &'static str,
        network: Network,
        [reference, last4]: [&str; 2],
        date: NaiveDate,
        amount: Option<Money>,
        [approval, payment_id]: [&str; 2],
        subject: Subject,
    ) {
        let seq = self.number(class, reason, network);
        if class != "match" {
            let subject = match &subject {
                Subject::Record { file_id, record } => {
                    crate::exceptions::record_subject(*file_id, record.record_number as i64)
                }
                Subject::Unreadable { file_id, record_number } => {
                    crate::exceptions::record_subject(*file_id, *record_number as i64)
                }
                Subject::Payment => crate::exceptions::payment_subject(payment_id),
            };
            let (minor, currency) = match amount {
                Some(amount) => (amount.minor(), amount.currency().code()),
                None => (0, crate::money::NO_CURRENCY),
            };
            self.exceptions.push(subject, class, reason, minor, currency, seq);
        }
        let out = &mut self.rows;
        out.row(19)
            .int8(self.run_id)
            .int8(seq)
            .text(class)
            .text_or_null(reason)
            .text(network.code())
            .text_or_null(reference)
            .text(last4)
            .date(date);
        match amount {
            Some(amount) => out.int8(amount.minor()).text(amount.currency().code()),
            // The columns hold a value for every item: an amount nobody could read is none, in
            // no currency (ISO 4217's code for that).
            None => out.int8(0).text(crate::money::NO_CURRENCY),
        };
        match &subject {
            Subject::Record { record, .. } => {
                out.int8(record.settlement.minor()).text(record.settlement.currency().code())
            }
            Subject::Unreadable { .. } | Subject::Payment => out.null().null(),
        };
        out.text_or_null(approval).text_or_null(payment_id);
        match subject {
            Subject::Record { file_id, record: r } => out
                .int8(file_id)
                .int8(r.record_number as i64)
                .text(r.kind.code())
                .int4(i32::from(r.merchant_category))
                .text_or_null(r.reason_code.as_deref().unwrap_or("")),
            Subject::Unreadable { file_id, record_number } => {
                out.int8(file_id).int8(record_number as i64).null().null().null()
            }
            Subject::Payment => out.null().null().null().null().null(),
        };
    }

    /// Items per `class` or `class/reason`.
    pub(super) fn counts(&self) -> BTreeMap<String, u64> {
        (self.counts.iter())
            .map(|((class, reason), n)| {
                (if reason.is_empty() { (*class).to_owned() } else { format!("{class}/{reason}") }, *n)
            })
            .collect()
    }
}

/// What an item is about: a network record (whose fields it keeps), a record that could not be
/// read (where it is), or a Zelle payment without a record.
enum Subject<'a> {
    Record { file_id: i64, record: &'a NetworkRecord },
    Unreadable { file_id: i64, record_number: u64 },
    Payment,
}
