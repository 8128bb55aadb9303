//! A day of synthetic, internally consistent feeds: the Zelle extract and the Visa and Mastercard
//! clearing files for one business date, with every mismatch and resettlement class present at a
//! configurable rate. The local default run, the tests and the benchmarks all use it.
//!
//! Deterministic: the same plan and seed give the same bytes. Streaming: each payment is written as
//! it is made, so a day of ten million records needs no more memory than a day of ten.

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::mastercard::{iso8583::Encoding, IpmTransaction, IpmWriter};
use super::visa::{TransactionCode, VisaTransaction, VisaWriter};
use super::zelle::{PaymentStatus, ZellePayment, ZelleWriter};
use super::{CardTokenizer, Network, RecordKind};
use crate::money::{Currency, Money};

/// How often each situation occurs, as a share of all payments (the rest match cleanly).
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    pub amount_mismatch: f64,
    pub currency_mismatch: f64,
    pub network_only: f64,
    pub zelle_only: f64,
    pub duplicate_presentment: f64,
    pub status_conflict: f64,
    pub chargeback: f64,
    pub reversal: f64,
    pub fee: f64,
    pub cross_currency: f64,
    /// Of the payments that match, the share whose Zelle row lacks the network reference (so
    /// matching must use the card, amount, approval code and date instead).
    pub missing_reference: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            amount_mismatch: 0.004,
            currency_mismatch: 0.001,
            network_only: 0.002,
            zelle_only: 0.003,
            duplicate_presentment: 0.001,
            status_conflict: 0.002,
            chargeback: 0.003,
            reversal: 0.002,
            fee: 0.002,
            cross_currency: 0.004,
            missing_reference: 0.15,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    pub business_date: NaiveDate,
    /// How many payments (each gives one network record, none, or two).
    pub payments: u64,
    pub seed: u64,
    /// The share of payments funded by Mastercard cards (the rest by Visa).
    pub mastercard_share: f64,
    pub rates: Rates,
    /// How many network records of each network are written with a field no reader accepts
    /// (an acquirer reference with letters in it): the first ones of the network, each still
    /// counted and summed by its file's trailers, as a real file with one bad record would be.
    pub unreadable_per_network: u64,
}

impl DayPlan {
    pub fn new(business_date: NaiveDate, payments: u64, seed: u64) -> Self {
        DayPlan {
            business_date,
            payments,
            seed,
            mastercard_share: 0.4,
            rates: Rates::default(),
            unreadable_per_network: 0,
        }
    }
}

/// The situation each payment was generated in: what reconciliation should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Situation {
    Match,
    MatchWithoutReference,
    AmountMismatch,
    CurrencyMismatch,
    NetworkOnly,
    /// A Zelle payment the network has not settled yet (pending until its grace period ends).
    ZelleOnly,
    DuplicatePresentment,
    StatusConflict,
    Chargeback,
    Reversal,
    Fee,
    CrossCurrency,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedDay {
    pub zelle_payments: u64,
    pub visa_records: u64,
    pub mastercard_records: u64,
    /// Of the network records, those written unreadable (see [`DayPlan::unreadable_per_network`]).
    pub unreadable_records: u64,
    /// Their card numbers: what a test searches stored data for (none may be found).
    pub unreadable_cards: Vec<String>,
    pub situations: BTreeMap<Situation, u64>,
}

/// Where the three files go.
pub struct Outputs<V: Write, M: Write, Z: Write> {
    pub visa: V,
    pub mastercard: M,
    pub zelle: Z,
}

pub fn generate<V: Write, M: Write, Z: Write>(
    plan: &DayPlan,
    cards: &CardTokenizer,
    out: Outputs<V, M, Z>,
) -> io::Result<(GeneratedDay, Outputs<V, M, Z>)> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let date = plan.business_date;
    let mut visa = VisaWriter::new(out.visa, "412345", date, 1_000)?;
    let mut mastercard = IpmWriter::new(out.mastercard, Encoding::Ebcdic, true, date, 1)?;
    let mut zelle = ZelleWriter::new(out.zelle).map_err(io::Error::other)?;
    let mut day = GeneratedDay::default();
    let r = &plan.rates;
    let thresholds = [
        (r.amount_mismatch, Situation::AmountMismatch),
        (r.currency_mismatch, Situation::CurrencyMismatch),
        (r.network_only, Situation::NetworkOnly),
        (r.zelle_only, Situation::ZelleOnly),
        (r.duplicate_presentment, Situation::DuplicatePresentment),
        (r.status_conflict, Situation::StatusConflict),
        (r.chargeback, Situation::Chargeback),
        (r.reversal, Situation::Reversal),
        (r.fee, Situation::Fee),
        (r.cross_currency, Situation::CrossCurrency),
    ];
    let eur = Currency::from_code("EUR").expect("EUR is supported");

    for i in 0..plan.payments {
        let roll: f64 = rng.gen();
        let mut cumulative = 0.0;
        let mut situation = Situation::Match;
        for (rate, s) in thresholds {
            cumulative += rate;
            if roll < cumulative {
                situation = s;
                break;
            }
        }
        if situation == Situation::Match && rng.gen::<f64>() < r.missing_reference {
            situation = Situation::MatchWithoutReference;
        }
        let network = if situation == Situation::Fee || rng.gen::<f64>() < plan.mastercard_share {
            Network::Mastercard
        } else {
            Network::Visa
        };
        let pan = card_number(
            if network == Network::Visa { '4' } else { '5' },
            10_000_000_000_000 + (i * 7_919) % 89_999_999_999_999,
        );
        let card = cards.card(&pan).expect("generated card numbers are 16 digits");
        let reference = format!(
            "{}{:08}{:014}",
            if network == Network::Visa { 7 } else { 8 },
            plan.seed % 100_000_000,
            i
        );
        let minor = rng.gen_range(500..250_000i64);
        let amount = Money::from_minor(minor, Currency::USD);
        let approval = format!("{:06}", rng.gen_range(0..1_000_000u32));
        let at = NaiveDateTime::new(
            date,
            NaiveTime::from_num_seconds_from_midnight_opt(rng.gen_range(0..86_400), 0).expect("in range"),
        );
        *day.situations.entry(situation).or_default() += 1;

        // The bank's side.
        let zelle_row = |status: PaymentStatus, with_reference: bool| ZellePayment {
            line: 0,
            payment_id: format!("ZP{}{:012}", date.format("%Y%m%d"), i),
            business_date: date,
            initiated_at: at.and_utc(),
            status,
            amount,
            network,
            network_reference: with_reference.then(|| reference.clone()),
            card: card.clone(),
            approval_code: approval.clone(),
        };
        let zelle_payment = match situation {
            Situation::NetworkOnly | Situation::Chargeback | Situation::Reversal | Situation::Fee => None,
            Situation::MatchWithoutReference => Some(zelle_row(PaymentStatus::Completed, false)),
            Situation::StatusConflict => {
                let status = if rng.gen() { PaymentStatus::Failed } else { PaymentStatus::Reversed };
                Some(zelle_row(status, true))
            }
            _ => Some(zelle_row(PaymentStatus::Completed, true)),
        };
        if let Some(p) = &zelle_payment {
            zelle.write(p).map_err(io::Error::other)?;
            day.zelle_payments += 1;
        }

        // The network's side.
        let (kind, network_amount, settlement, copies) = match situation {
            Situation::ZelleOnly => continue,
            Situation::AmountMismatch => {
                let delta = rng.gen_range(1..2_000i64) * if rng.gen() { 1 } else { -1 };
                let changed = Money::from_minor((minor + delta).max(1), Currency::USD);
                (RecordKind::Presentment, changed, changed, 1)
            }
            Situation::CurrencyMismatch => {
                let other = Money::from_minor(minor, eur);
                (RecordKind::Presentment, other, other, 1)
            }
            Situation::CrossCurrency => {
                // Booked in dollars, settled in euros at 0.9214.
                let settled = Money::from_minor(minor * 9_214 / 10_000, eur);
                (RecordKind::Presentment, amount, settled, 1)
            }
            Situation::DuplicatePresentment => (RecordKind::Presentment, amount, amount, 2),
            Situation::Chargeback => (RecordKind::Chargeback, amount, amount, 1),
            Situation::Reversal => (RecordKind::Reversal, amount, amount, 1),
            Situation::Fee => {
                let fee = Money::from_minor(rng.gen_range(5..150), Currency::USD);
                (RecordKind::Fee, fee, fee, 1)
            }
            _ => (RecordKind::Presentment, amount, amount, 1),
        };
        // Chargebacks and reversals undo earlier payments; they credit the card.
        let credit = matches!(kind, RecordKind::Chargeback | RecordKind::Reversal);
        let earlier = at
            - Duration::days(if kind == RecordKind::Presentment || kind == RecordKind::Fee { 0 } else { 3 });
        for _ in 0..copies {
            let written = match network {
                Network::Visa => day.visa_records,
                Network::Mastercard => day.mastercard_records,
            };
            let reference = if written < plan.unreadable_per_network {
                day.unreadable_records += 1;
                day.unreadable_cards.push(pan.clone());
                format!("{:X<23}", "UNREADABLE")
            } else {
                reference.clone()
            };
            match network {
                Network::Visa => {
                    let code = match kind {
                        RecordKind::Chargeback => TransactionCode::ChargebackPurchase,
                        RecordKind::Reversal => TransactionCode::ReversalPurchase,
                        _ => TransactionCode::Purchase,
                    };
                    visa.write(&VisaTransaction {
                        code,
                        pan: pan.clone(),
                        reference: reference.clone(),
                        purchase_date: earlier.date(),
                        settlement,
                        amount: network_amount,
                        merchant_name: "ZELLE*CARD FUNDING".into(),
                        merchant_city: "SCOTTSDALE".into(),
                        merchant_country: "US".into(),
                        mcc: 4829,
                        reason_code: (kind == RecordKind::Chargeback).then(|| "13".into()),
                        approval_code: approval.clone(),
                    })?;
                    day.visa_records += 1;
                }
                Network::Mastercard => {
                    mastercard.write(&IpmTransaction {
                        kind,
                        credit,
                        pan: pan.clone(),
                        reference: reference.clone(),
                        amount: network_amount,
                        settlement,
                        local_time: earlier,
                        mcc: 4829,
                        approval_code: approval.clone(),
                        reason_code: (kind == RecordKind::Chargeback).then(|| "4853".into()),
                        merchant_name: "ZELLE*CARD FUNDING".into(),
                        merchant_city: "SCOTTSDALE".into(),
                    })?;
                    day.mastercard_records += 1;
                }
            }
        }
    }
    let outputs = Outputs {
        visa: visa.finish()?,
        mastercard: mastercard.finish()?,
        zelle: zelle.finish().map_err(io::Error::other)?,
    };
    Ok((day, outputs))
}

/// A 16-digit card number: the network's leading digit, 14 more, and the Luhn check digit every
/// real card number ends in (so the tests that search stored data for card numbers find what a
/// real file would leave behind).
fn card_number(network_digit: char, body: u64) -> String {
    let mut pan = format!("{network_digit}{body:014}");
    let values: Vec<u8> = pan.bytes().map(|b| b - b'0').collect();
    let check = (0..10u8)
        .find(|check| {
            let mut with = values.clone();
            with.push(*check);
            super::card::luhn(&with)
        })
        .expect("one check digit of ten passes");
    pan.push(char::from(b'0' + check));
    pan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::testing::cards;
    use crate::feeds::{mastercard, visa, zelle, Parsed, Strictness};

    fn run(plan: &DayPlan) -> (GeneratedDay, Vec<u8>, Vec<u8>, Vec<u8>) {
        let (day, out) =
            generate(plan, &cards(), Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() })
                .unwrap();
        (day, out.visa, out.mastercard, out.zelle)
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let plan = DayPlan::new("2026-11-20".parse().unwrap(), 500, 7);
        assert_eq!(run(&plan), run(&plan));
        let other = DayPlan { seed: 8, ..plan.clone() };
        assert_ne!(run(&plan).3, run(&other).3);
    }

    #[test]
    fn every_file_reads_cleanly_and_reconciles() {
        let plan = DayPlan::new("2026-11-20".parse().unwrap(), 5_000, 7);
        let (day, visa_bytes, mc_bytes, zelle_bytes) = run(&plan);
        // Every network record, by the secondary matching key.
        let mut network_keys = std::collections::HashSet::new();
        let mut keep = |p: Parsed| {
            let Parsed::Record(r) = p else { panic!("an unreadable generated record: {p:?}") };
            network_keys.insert((r.card.fingerprint, r.amount, r.approval_code));
        };
        let summary = visa::read(&visa_bytes[..], &cards(), Strictness::Strict, &mut keep).unwrap();
        assert_eq!((summary.transactions, summary.issues), (day.visa_records, 0));
        let summary = mastercard::read(&mc_bytes[..], &cards(), Strictness::Strict, &mut keep).unwrap();
        assert_eq!((summary.transactions, summary.issues), (day.mastercard_records, 0));
        // A Zelle row without the network reference can still be found by card, amount and approval code.
        let mut without_reference = 0;
        let summary = zelle::read(&zelle_bytes[..], Strictness::Strict, |p| {
            let p = p.unwrap();
            if p.network_reference.is_none() {
                without_reference += 1;
                assert!(network_keys.contains(&(p.card.fingerprint, p.amount, p.approval_code)));
            }
        })
        .unwrap();
        assert_eq!(summary.payments, day.zelle_payments);
        assert_eq!(without_reference, day.situations[&Situation::MatchWithoutReference]);
        assert_eq!(
            day.situations.values().sum::<u64>(),
            plan.payments,
            "every payment is in exactly one situation"
        );
    }

    #[test]
    fn every_situation_occurs_near_its_rate() {
        let plan = DayPlan::new("2026-11-20".parse().unwrap(), 40_000, 11);
        let (day, ..) = run(&plan);
        let share = |s: Situation| *day.situations.get(&s).unwrap_or(&0) as f64 / plan.payments as f64;
        let r = &plan.rates;
        for (s, rate) in [
            (Situation::AmountMismatch, r.amount_mismatch),
            (Situation::ZelleOnly, r.zelle_only),
            (Situation::Chargeback, r.chargeback),
            (Situation::Fee, r.fee),
            (Situation::CrossCurrency, r.cross_currency),
        ] {
            assert!((share(s) - rate).abs() < rate * 0.35 + 0.0005, "{s:?}: {} vs {rate}", share(s));
        }
        assert!(day.situations[&Situation::MatchWithoutReference] > 0);
        assert!(day.situations.len() >= 11, "{:?}", day.situations);
    }
}
