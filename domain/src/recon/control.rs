//! Control totals: the promise a reconciliation keeps. For every network file of a day and every
//! currency, the records the file holds = matched + mismatched + resettlement + unreadable, in
//! counts and amounts (+ the records the rules filter out as not Zelle's: a network file carries
//! the bank's other card transactions too, and they are accounted for as such, not lost).
//!
//! The two sides are counted apart. Ingestion counts what the reader read of the file, per
//! currency ([`FileTotals`], kept on the file's registry row); the file's trailer count and amount
//! totals were checked against the same records then. A run counts what it classified and wrote,
//! record by record, as it writes the items ([`ControlTally`]). A record the run lost, or counted
//! twice, breaks the equation of its file and currency, and the manifest and the dashboard say so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::ingest::totals::{FileTotals, Tally, Tallying};
use crate::money::Money;

/// What became of a record, for the control equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Matched,
    Mismatched,
    Resettlement,
    Unreadable,
    /// Not a Zelle record under the rules (`recon::rules`): no item, but counted.
    NotZelle,
}

/// One currency of one file's control equation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyControl {
    pub currency: String,
    /// What ingestion read in this currency; `None` for a file ingested before these were kept.
    pub file: Option<Tally>,
    pub matched: Tally,
    pub mismatched: Tally,
    pub resettlement: Tally,
    pub unreadable: Tally,
    #[serde(default)]
    pub not_zelle: Tally,
    /// Whether the file's side equals the sum of the five (always, when the file's side is not
    /// known).
    pub closes: bool,
}

/// One network file's control equation in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileControl {
    pub feed_file_id: i64,
    pub network: String,
    pub object_key: String,
    /// The file's registry status when the run read the day's files: `parsed`, or `quarantined`
    /// or `received` (still loading) for a file of the date whose records the run could not
    /// reconcile, which therefore never closes.
    #[serde(default = "parsed")]
    pub status: String,
    /// Transaction records in the file, as its trailer counts them (checked at ingestion).
    pub records: u64,
    /// Of them, the records this run accounted for (an item in any class, or filtered out as not
    /// Zelle's).
    pub accounted: u64,
    pub currencies: Vec<CurrencyControl>,
    /// Unreadable records whose amount cannot be read.
    pub unreadable_without_amount: u64,
    /// Whether every record of the file is accounted for once, in counts and in every currency.
    pub closes: bool,
}

fn parsed() -> String {
    PARSED.to_owned()
}

const PARSED: &str = "parsed";

/// A network file of the day, as the registry knows it: the left side of its equation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFile {
    pub id: i64,
    pub network: String,
    pub object_key: String,
    /// Its registry status (see [`FileControl::status`]).
    pub status: String,
    pub records: u64,
    pub totals: Option<FileTotals>,
}

/// A run's side of the equation, per file, counted as the items are written.
#[derive(Debug, Default)]
pub struct ControlTally {
    /// Per file id: a tally per fate, in [`Fate`]'s order. Files come one after another, so the
    /// last one is looked at first.
    files: Vec<(i64, [Tallying; 5])>,
}

impl ControlTally {
    pub fn add(&mut self, file_id: i64, fate: Fate, amount: Option<Money>) {
        let at = match self.files.iter().rposition(|(id, _)| *id == file_id) {
            Some(at) => at,
            None => {
                self.files.push((file_id, Default::default()));
                self.files.len() - 1
            }
        };
        self.files[at].1[fate as usize].add(amount);
    }

    /// Each of the day's files' equation, in the order given. A file the run wrote items for but
    /// was not given (which would be a bug) is reported too, as not closing.
    pub fn close(self, files: &[ControlFile]) -> Vec<FileControl> {
        let mut counted: BTreeMap<i64, [Tallying; 5]> = self.files.into_iter().collect();
        let mut controls: Vec<FileControl> =
            files.iter().map(|file| equation(file, counted.remove(&file.id).unwrap_or_default())).collect();
        for (id, fates) in counted {
            let stray = ControlFile {
                id,
                network: String::new(),
                object_key: String::new(),
                status: PARSED.to_owned(),
                records: 0,
                totals: Some(FileTotals::default()),
            };
            controls.push(equation(&stray, fates));
        }
        controls
    }
}

fn equation(file: &ControlFile, fates: [Tallying; 5]) -> FileControl {
    let [matched, mismatched, resettlement, unreadable, not_zelle] = fates.map(|t| t.totals());
    let mut codes: Vec<&String> = [&matched, &mismatched, &resettlement, &unreadable, &not_zelle]
        .iter()
        .flat_map(|t| t.currencies.keys())
        .chain(file.totals.iter().flat_map(|t| t.currencies.keys()))
        .collect();
    codes.sort();
    codes.dedup();
    let take = |t: &FileTotals, code: &str| t.currencies.get(code).cloned().unwrap_or_default();
    let currencies: Vec<CurrencyControl> = codes
        .into_iter()
        .map(|code| {
            let sides =
                [&matched, &mismatched, &resettlement, &unreadable, &not_zelle].map(|t| take(t, code));
            let file_side = file.totals.as_ref().map(|t| take(t, code));
            let sum = Tally {
                records: sides.iter().map(|t| t.records).sum(),
                amount: sides.iter().map(|t| t.amount).sum(),
            };
            let closes = file_side.as_ref().is_none_or(|f| *f == sum);
            let [matched, mismatched, resettlement, unreadable, not_zelle] = sides;
            CurrencyControl {
                currency: code.clone(),
                file: file_side,
                matched,
                mismatched,
                resettlement,
                unreadable,
                not_zelle,
                closes,
            }
        })
        .collect();
    let without_amount = unreadable.without_amount;
    let accounted = currencies
        .iter()
        .map(|c| {
            c.matched.records
                + c.mismatched.records
                + c.resettlement.records
                + c.unreadable.records
                + c.not_zelle.records
        })
        .sum::<u64>()
        + without_amount;
    let closes = file.status == PARSED
        && accounted == file.records
        && currencies.iter().all(|c| c.closes)
        && file.totals.as_ref().is_none_or(|t| t.without_amount == without_amount);
    FileControl {
        feed_file_id: file.id,
        network: file.network.clone(),
        object_key: file.object_key.clone(),
        status: file.status.clone(),
        records: file.records,
        accounted,
        currencies,
        unreadable_without_amount: without_amount,
        closes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::Decimal;

    fn usd(minor: i64) -> Option<Money> {
        Some(Money::from_minor(minor, Currency::USD))
    }

    fn eur(minor: i64) -> Option<Money> {
        Some(Money::from_minor(minor, Currency::from_code("EUR").unwrap()))
    }

    /// A file of `amounts` as ingestion counted them.
    fn file(id: i64, amounts: &[Option<Money>]) -> ControlFile {
        let mut tally = Tallying::default();
        for amount in amounts {
            tally.add(*amount);
        }
        ControlFile {
            id,
            network: "visa".into(),
            object_key: format!("inbound/visa/f{id}"),
            status: "parsed".into(),
            records: amounts.len() as u64,
            totals: Some(tally.totals()),
        }
    }

    #[test]
    fn a_file_whose_every_record_became_one_item_closes() {
        let f = file(1, &[usd(100), usd(250), eur(70), None]);
        let mut run = ControlTally::default();
        run.add(1, Fate::Matched, usd(100));
        run.add(1, Fate::Resettlement, usd(250));
        run.add(1, Fate::Mismatched, eur(70));
        run.add(1, Fate::Unreadable, None);
        let [control] = <[FileControl; 1]>::try_from(run.close(std::slice::from_ref(&f))).unwrap();
        assert!(control.closes, "{control:?}");
        assert_eq!((control.records, control.accounted, control.unreadable_without_amount), (4, 4, 1));
        // A record the rules filter out (not Zelle's) is accounted for as such.
        let mut with_other = file(2, &[usd(100), usd(999)]);
        with_other.network = "mastercard".into();
        let mut run = ControlTally::default();
        run.add(2, Fate::Matched, usd(100));
        assert!(
            !run.close(std::slice::from_ref(&with_other))[0].closes,
            "a dropped record is not silently fine"
        );
        let mut run = ControlTally::default();
        run.add(2, Fate::Matched, usd(100));
        run.add(2, Fate::NotZelle, usd(999));
        assert!(run.close(&[with_other])[0].closes);
        let usd = &control.currencies[1];
        assert_eq!(usd.currency, "USD");
        assert_eq!(usd.file, Some(Tally { records: 2, amount: Decimal::new(350, 2) }));
        assert_eq!(usd.matched, Tally { records: 1, amount: Decimal::new(100, 2) });
    }

    #[test]
    fn a_record_lost_counted_twice_or_in_another_amount_breaks_its_file_s_equation() {
        let f = || file(1, &[usd(100), usd(250)]);
        let lost = {
            let mut run = ControlTally::default();
            run.add(1, Fate::Matched, usd(100));
            run.close(&[f()])
        };
        assert!(!lost[0].closes && lost[0].accounted == 1, "{lost:?}");
        let twice = {
            let mut run = ControlTally::default();
            for amount in [usd(100), usd(250), usd(250)] {
                run.add(1, Fate::Matched, amount);
            }
            run.close(&[f()])
        };
        assert!(!twice[0].closes, "{twice:?}");
        let other_amount = {
            let mut run = ControlTally::default();
            run.add(1, Fate::Matched, usd(100));
            run.add(1, Fate::Mismatched, usd(251));
            run.close(&[f()])
        };
        assert!(!other_amount[0].closes && other_amount[0].accounted == 2, "{other_amount:?}");
        // Items of a file the run was not given stand out as their own broken equation.
        let stray = {
            let mut run = ControlTally::default();
            run.add(1, Fate::Matched, usd(100));
            run.add(1, Fate::Matched, usd(250));
            run.add(9, Fate::Matched, usd(1));
            run.close(&[f()])
        };
        assert_eq!(stray.iter().map(|c| c.closes).collect::<Vec<_>>(), vec![true, false]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

        /// Any generated day, with unreadable records (with and without a readable amount),
        /// duplicate presentments and a second, late file of each network: every file's
        /// equation closes when ingestion's count and the engine's classification are tallied as
        /// ingestion and a run tally them.
        #[test]
        fn the_equation_holds_for_any_generated_day(
            seed in 0u64..100_000,
            payments in 20u64..400,
            unreadable in 0u64..4,
            late in proptest::bool::ANY,
            damaged_amounts in proptest::collection::vec(0usize..400, 0..4),
        ) {
            use crate::feeds::generator::{self, DayPlan, Outputs};
            use crate::feeds::testing::{cards, date};
            use crate::feeds::{mastercard, visa, zelle, Network, NetworkRecord, Parsed, Strictness};
            use crate::recon::{reconcile, Class, Outcome, RuleSet};

            let day = date("2026-11-20");
            let mut plans = vec![DayPlan { unreadable_per_network: unreadable, ..DayPlan::new(day, payments, seed) }];
            if late {
                plans.push(DayPlan::new(day, payments / 2 + 1, seed + 1));
            }
            let (mut files, mut records, mut issues, mut zelle_payments) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for (n, plan) in plans.iter().enumerate() {
                let outputs = Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() };
                let (made, mut out) = generator::generate(plan, &cards(), outputs).unwrap();
                // Some Visa records' source amount made unreadable (their file loads, its amount
                // totals cannot be checked, and the record counts in no currency).
                for &k in &damaged_amounts {
                    let record = 2 + k % made.visa_records.clamp(1, 900) as usize;
                    let at = (record - 1) * (visa::RECORD_LEN + 1) + 76;
                    if at + 12 <= out.visa.len() && out.visa[at - 76..at - 74].iter().all(u8::is_ascii_digit) {
                        out.visa[at..at + 12].copy_from_slice(b"XXXXXXXXXXXX");
                    }
                }
                for (k, (network, bytes)) in [(Network::Visa, &out.visa), (Network::Mastercard, &out.mastercard)].into_iter().enumerate() {
                    let id = (n * 2 + k + 1) as i64;
                    let mut tally = Tallying::default();
                    let mut emit = |parsed: Parsed| match parsed {
                        Parsed::Record(r) => {
                            tally.add(Some(r.amount));
                            records.push((id, r));
                        }
                        Parsed::Issue(i) => {
                            tally.add(i.amount);
                            issues.push((id, i));
                        }
                    };
                    let summary = match network {
                        Network::Visa => visa::read(&bytes[..], &cards(), Strictness::Lenient, &mut emit),
                        Network::Mastercard => mastercard::read(&bytes[..], &cards(), Strictness::Lenient, &mut emit),
                    }
                    .unwrap();
                    files.push(ControlFile {
                        id,
                        network: network.code().into(),
                        object_key: format!("f{id}"),
                        status: "parsed".into(),
                        records: summary.transactions,
                        totals: Some(tally.totals()),
                    });
                }
                zelle::read(&out.zelle[..], Strictness::Lenient, |p| zelle_payments.push(p.unwrap())).unwrap();
            }
            let readable: Vec<NetworkRecord> = records.iter().map(|(_, r)| r.clone()).collect();
            let result = reconcile(&readable, &zelle_payments, day, &RuleSet::default(), &crate::calendar::Holidays::none());
            proptest::prop_assert_eq!(result.records.len(), readable.len());
            let mut run = ControlTally::default();
            for ((file, record), outcome) in records.iter().zip(&result.records) {
                let fate = match outcome {
                    Outcome::Classified { class: Class::Match, .. } => Fate::Matched,
                    Outcome::Classified { class: Class::Mismatch(_), .. } => Fate::Mismatched,
                    Outcome::Classified { class: Class::Resettlement(_), .. } => Fate::Resettlement,
                    Outcome::Excluded => Fate::NotZelle,
                };
                run.add(*file, fate, Some(record.amount));
            }
            for (file, issue) in &issues {
                run.add(*file, Fate::Unreadable, issue.amount);
            }
            for control in run.close(&files) {
                proptest::prop_assert!(control.closes, "{:?}", control);
                proptest::prop_assert_eq!(control.accounted, control.records);
            }
        }
    }

    #[test]
    fn a_file_ingested_before_totals_were_kept_is_held_to_its_count() {
        let mut f = file(1, &[usd(100), usd(250)]);
        f.totals = None;
        let mut run = ControlTally::default();
        run.add(1, Fate::Matched, usd(100));
        run.add(1, Fate::Matched, usd(250));
        assert!(run.close(std::slice::from_ref(&f))[0].closes);
        let mut short = ControlTally::default();
        short.add(1, Fate::Matched, usd(100));
        assert!(!short.close(std::slice::from_ref(&f))[0].closes);
        // A quarantined file of the date is in no report: its equation never closes.
        let quarantined = ControlFile { status: "quarantined".into(), records: 0, totals: None, ..f };
        let control = ControlTally::default().close(&[quarantined]);
        assert!(!control[0].closes && control[0].status == "quarantined", "{control:?}");
    }
}
