//! The matching engine.
//!
//! 1. **Filter**: a network record belongs to Zelle when its network's rules accept its merchant
//!    category and kind; others are [`Outcome::Excluded`].
//! 2. **Resettlement**: chargebacks, reversals and fees move money between settlement accounts;
//!    they are linked to the payment they concern when its reference is known.
//! 3. **Primary match**: presentments and disbursements are matched on the network reference; then
//!    currency, amount (within the tolerance) and the payment's status are compared, and a settled
//!    amount that differs from the booked one (cross-currency) makes a resettlement.
//! 4. **Secondary match**: a record whose reference no payment carries is matched on card
//!    fingerprint, amount and approval code within the date window (nearest date first), or on the
//!    last four digits when the rules allow.
//! 5. A second record for an already matched payment is a duplicate presentment; a record with no
//!    payment at all is network-only.
//! 6. A payment left without a record is pending until its grace period (business days) ends, then
//!    Zelle-only; failed and reversed payments expect no record.
//!
//! Records are processed in a canonical order, so the outcome never depends on input order.

use std::collections::HashMap;

use foldhash::fast::RandomState as FastHash;

use chrono::NaiveDate;

use super::rules::RuleSet;
use crate::calendar::add_business_days;
use crate::feeds::zelle::{PaymentStatus, ZellePayment};
use crate::feeds::{NetworkRecord, RecordKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Match,
    Mismatch(MismatchReason),
    Resettlement(ResettlementReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MismatchReason {
    AmountDiffers,
    CurrencyDiffers,
    NetworkOnly,
    DuplicatePresentment,
    /// Zelle says failed or reversed; the network settled.
    StatusConflict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResettlementReason {
    Chargeback,
    Reversal,
    Fee,
    /// Settled in another currency or amount than booked.
    CrossCurrency,
}

/// How a record found its payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKey {
    Reference,
    CardAmountApproval,
    Last4AmountApproval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not a Zelle record under the rules.
    Excluded,
    Classified {
        class: Class,
        payment: Option<usize>,
        key: Option<MatchKey>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    Matched {
        record: usize,
    },
    /// Within its grace period: the network record may still come.
    Pending,
    /// Past its grace period with no network record: a mismatch.
    ZelleOnly,
    /// Failed or reversed, and no record came: nothing to settle.
    NotExpected,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    pub rule_set_version: u32,
    /// One per input record, in input order.
    pub records: Vec<Outcome>,
    /// One per input payment, in input order.
    pub payments: Vec<PaymentState>,
}

impl Reconciliation {
    /// How many records ended in each class.
    pub fn class_counts(&self) -> std::collections::BTreeMap<Class, u64> {
        let mut counts = std::collections::BTreeMap::new();
        for outcome in &self.records {
            if let Outcome::Classified { class, .. } = outcome {
                *counts.entry(*class).or_default() += 1;
            }
        }
        counts
    }
}

/// Classifies `records` of the business date `run_date` against `payments` (the date's extract and
/// the payments still pending from earlier dates).
pub fn reconcile(
    records: &[NetworkRecord],
    payments: &[ZellePayment],
    run_date: NaiveDate,
    rules: &RuleSet,
) -> Reconciliation {
    // Indexes over the payments (the last-four index only when some network's rules use it).
    type Index<'a, K> = HashMap<K, Vec<usize>, FastHash>;
    let use_last4 = rules.networks.values().any(|r| r.secondary_on_last4);
    let mut by_reference: Index<&str> =
        HashMap::with_capacity_and_hasher(payments.len(), FastHash::default());
    let mut by_card: Index<(&str, i64, &str, &str)> =
        HashMap::with_capacity_and_hasher(payments.len(), FastHash::default());
    let mut by_last4: Index<(&str, i64, &str, &str)> = HashMap::default();
    for (i, p) in payments.iter().enumerate() {
        if let Some(reference) = &p.network_reference {
            by_reference.entry(reference).or_default().push(i);
        }
        let currency = p.amount.currency().code();
        by_card
            .entry((&p.card.fingerprint, p.amount.minor(), currency, &p.approval_code))
            .or_default()
            .push(i);
        if use_last4 {
            by_last4
                .entry((&p.card.last4, p.amount.minor(), currency, &p.approval_code))
                .or_default()
                .push(i);
        }
    }
    for candidates in by_reference.values_mut().chain(by_card.values_mut()).chain(by_last4.values_mut()) {
        if candidates.len() > 1 {
            candidates.sort_by(|a, b| payments[*a].payment_id.cmp(&payments[*b].payment_id));
        }
    }

    // A total order over every field, so that which of two look-alike records comes first (say,
    // which is the duplicate) never depends on the order they arrived in.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_unstable_by(|a, b| canonical_key(&records[*a]).cmp(&canonical_key(&records[*b])));

    let mut consumed: Vec<Option<usize>> = vec![None; payments.len()];
    let mut outcomes = vec![Outcome::Excluded; records.len()];
    for index in order {
        let record = &records[index];
        let Some(network_rules) = rules.rules_for(record.network) else { continue };
        let belongs = (network_rules.merchant_categories.is_empty()
            || network_rules.merchant_categories.contains(&record.merchant_category))
            && (network_rules.kinds.is_empty() || network_rules.kinds.contains(&record.kind));
        if !belongs {
            continue;
        }
        let referenced = by_reference.get(record.reference.as_str()).and_then(|c| c.first().copied());
        let resettlement = match record.kind {
            RecordKind::Chargeback => Some(ResettlementReason::Chargeback),
            RecordKind::Reversal => Some(ResettlementReason::Reversal),
            RecordKind::Fee => Some(ResettlementReason::Fee),
            RecordKind::Presentment | RecordKind::Disbursement => None,
        };
        if let Some(reason) = resettlement {
            let key = referenced.map(|_| MatchKey::Reference);
            outcomes[index] =
                Outcome::Classified { class: Class::Resettlement(reason), payment: referenced, key };
            continue;
        }

        // Primary: the reference.
        if let Some(payment) = referenced {
            let class = if consumed[payment].is_some() {
                Class::Mismatch(MismatchReason::DuplicatePresentment)
            } else {
                consumed[payment] = Some(index);
                compare(record, &payments[payment], network_rules.amount_tolerance_minor)
            };
            outcomes[index] =
                Outcome::Classified { class, payment: Some(payment), key: Some(MatchKey::Reference) };
            continue;
        }

        // Secondary: card, amount and approval code, nearest date within the window.
        let currency = record.amount.currency().code();
        let window = network_rules.date_window_days;
        let in_window =
            |p: &usize| (payments[*p].business_date - record.transaction_date).num_days().abs() <= window;
        let mut keys = vec![(
            MatchKey::CardAmountApproval,
            by_card.get(&(
                record.card.fingerprint.as_str(),
                record.amount.minor(),
                currency,
                record.approval_code.as_str(),
            )),
        )];
        if network_rules.secondary_on_last4 {
            keys.push((
                MatchKey::Last4AmountApproval,
                by_last4.get(&(
                    record.card.last4.as_str(),
                    record.amount.minor(),
                    currency,
                    record.approval_code.as_str(),
                )),
            ));
        }
        let mut outcome = None;
        let mut seen_consumed = None;
        for (key, candidates) in keys {
            let candidates: Vec<usize> =
                candidates.into_iter().flatten().copied().filter(in_window).collect();
            let nearest = candidates.iter().filter(|p| consumed[**p].is_none()).min_by_key(|p| {
                (
                    (payments[**p].business_date - record.transaction_date).num_days().abs(),
                    payments[**p].payment_id.as_str(),
                )
            });
            if let Some(&payment) = nearest {
                consumed[payment] = Some(index);
                let class = compare(record, &payments[payment], network_rules.amount_tolerance_minor);
                outcome = Some(Outcome::Classified { class, payment: Some(payment), key: Some(key) });
                break;
            }
            if seen_consumed.is_none() {
                seen_consumed = candidates.first().map(|p| (key, *p));
            }
        }
        outcomes[index] = outcome.unwrap_or(match seen_consumed {
            Some((key, payment)) => Outcome::Classified {
                class: Class::Mismatch(MismatchReason::DuplicatePresentment),
                payment: Some(payment),
                key: Some(key),
            },
            None => Outcome::Classified {
                class: Class::Mismatch(MismatchReason::NetworkOnly),
                payment: None,
                key: None,
            },
        });
    }

    let payment_states = payments
        .iter()
        .enumerate()
        .map(|(i, p)| match consumed[i] {
            Some(record) => PaymentState::Matched { record },
            None if matches!(p.status, PaymentStatus::Failed | PaymentStatus::Reversed) => {
                PaymentState::NotExpected
            }
            None => {
                let grace = rules.rules_for(p.network).map(|r| r.grace_business_days).unwrap_or(0);
                if run_date > add_business_days(p.business_date, grace) {
                    PaymentState::ZelleOnly
                } else {
                    PaymentState::Pending
                }
            }
        })
        .collect();
    Reconciliation { rule_set_version: rules.version, records: outcomes, payments: payment_states }
}

fn canonical_key(r: &NetworkRecord) -> impl Ord + '_ {
    (
        (r.network, r.transaction_date, r.reference.as_str(), r.record_number, r.kind, r.credit),
        (r.card.fingerprint.as_str(), r.card.last4.as_str(), r.approval_code.as_str(), r.merchant_category),
        (r.amount.minor(), r.amount.currency().code(), r.settlement.minor(), r.settlement.currency().code()),
        r.reason_code.as_deref(),
    )
}

/// A record and the payment it found: does everything agree?
fn compare(record: &NetworkRecord, payment: &ZellePayment, tolerance: i64) -> Class {
    if record.amount.currency() != payment.amount.currency() {
        return Class::Mismatch(MismatchReason::CurrencyDiffers);
    }
    if (record.amount.minor() - payment.amount.minor()).abs() > tolerance {
        return Class::Mismatch(MismatchReason::AmountDiffers);
    }
    if matches!(payment.status, PaymentStatus::Failed | PaymentStatus::Reversed) {
        return Class::Mismatch(MismatchReason::StatusConflict);
    }
    if record.settlement != record.amount {
        return Class::Resettlement(ResettlementReason::CrossCurrency);
    }
    Class::Match
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::feeds::generator::{self, DayPlan, Outputs, Situation};
    use crate::feeds::testing::{cards, date};
    use crate::feeds::{mastercard, visa, zelle, CardRef, Network, Parsed, Strictness};
    use crate::money::{Currency, Money};

    fn card(n: u32) -> CardRef {
        CardRef { last4: format!("{:04}", n % 10_000), fingerprint: format!("fp{n}") }
    }

    fn record(reference: &str, n: u32, minor: i64) -> NetworkRecord {
        NetworkRecord {
            network: Network::Visa,
            record_number: n as u64 + 2,
            kind: RecordKind::Presentment,
            credit: false,
            reference: reference.into(),
            card: card(n),
            amount: Money::from_minor(minor, Currency::USD),
            settlement: Money::from_minor(minor, Currency::USD),
            approval_code: format!("A{n:05}"),
            transaction_date: date("2026-11-20"),
            merchant_category: 4829,
            reason_code: None,
        }
    }

    fn payment(reference: Option<&str>, n: u32, minor: i64) -> ZellePayment {
        ZellePayment {
            line: n as u64 + 2,
            payment_id: format!("ZP{n:06}"),
            business_date: date("2026-11-20"),
            initiated_at: "2026-11-20T12:00:00Z".parse().unwrap(),
            status: PaymentStatus::Completed,
            amount: Money::from_minor(minor, Currency::USD),
            network: Network::Visa,
            network_reference: reference.map(str::to_owned),
            card: card(n),
            approval_code: format!("A{n:05}"),
        }
    }

    fn classes(result: &Reconciliation) -> Vec<Option<Class>> {
        result
            .records
            .iter()
            .map(|o| match o {
                Outcome::Classified { class, .. } => Some(*class),
                Outcome::Excluded => None,
            })
            .collect()
    }

    const REF1: &str = "70000000000000000000001";
    const REF2: &str = "70000000000000000000002";

    #[test]
    fn a_record_and_its_payment_match_on_the_reference() {
        let result = reconcile(
            &[record(REF1, 1, 1000)],
            &[payment(Some(REF1), 1, 1000)],
            date("2026-11-20"),
            &RuleSet::default(),
        );
        assert_eq!(
            result.records,
            vec![Outcome::Classified {
                class: Class::Match,
                payment: Some(0),
                key: Some(MatchKey::Reference)
            }]
        );
        assert_eq!(result.payments, vec![PaymentState::Matched { record: 0 }]);
        assert_eq!(result.rule_set_version, 1);
    }

    #[test]
    fn without_a_reference_the_card_amount_and_approval_code_match() {
        let result = reconcile(
            &[record(REF1, 1, 1000)],
            &[payment(None, 1, 1000)],
            date("2026-11-20"),
            &RuleSet::default(),
        );
        assert_eq!(
            result.records[0],
            Outcome::Classified {
                class: Class::Match,
                payment: Some(0),
                key: Some(MatchKey::CardAmountApproval)
            }
        );
        // Outside the date window it does not.
        let mut late = payment(None, 1, 1000);
        late.business_date = date("2026-11-30");
        let result = reconcile(&[record(REF1, 1, 1000)], &[late], date("2026-11-20"), &RuleSet::default());
        assert_eq!(classes(&result), vec![Some(Class::Mismatch(MismatchReason::NetworkOnly))]);
    }

    #[test]
    fn each_kind_of_difference_has_its_reason() {
        let mut euro = record(REF1, 1, 1000);
        euro.amount = Money::from_minor(1000, Currency::from_code("EUR").unwrap());
        euro.settlement = euro.amount;
        let mut failed = payment(Some(REF1), 1, 1000);
        failed.status = PaymentStatus::Failed;
        let mut cross = record(REF1, 1, 1000);
        cross.settlement = Money::from_minor(921, Currency::from_code("EUR").unwrap());
        let cases = [
            (
                record(REF1, 1, 1001),
                payment(Some(REF1), 1, 1000),
                Class::Mismatch(MismatchReason::AmountDiffers),
            ),
            (euro, payment(Some(REF1), 1, 1000), Class::Mismatch(MismatchReason::CurrencyDiffers)),
            (record(REF1, 1, 1000), failed, Class::Mismatch(MismatchReason::StatusConflict)),
            (cross, payment(Some(REF1), 1, 1000), Class::Resettlement(ResettlementReason::CrossCurrency)),
            (
                record(REF2, 2, 1000),
                payment(Some(REF1), 1, 1000),
                Class::Mismatch(MismatchReason::NetworkOnly),
            ),
        ];
        for (r, p, expected) in cases {
            let result = reconcile(&[r], &[p], date("2026-11-20"), &RuleSet::default());
            assert_eq!(classes(&result), vec![Some(expected)]);
        }
    }

    #[test]
    fn a_tolerance_in_the_rules_lets_small_differences_match() {
        let mut rules = RuleSet::default();
        rules.networks.get_mut(&Network::Visa).unwrap().amount_tolerance_minor = 2;
        let result =
            reconcile(&[record(REF1, 1, 1002)], &[payment(Some(REF1), 1, 1000)], date("2026-11-20"), &rules);
        assert_eq!(classes(&result), vec![Some(Class::Match)]);
    }

    #[test]
    fn a_second_presentment_of_the_same_payment_is_a_duplicate() {
        let mut second = record(REF1, 1, 1000);
        second.record_number = 99;
        let result = reconcile(
            &[second, record(REF1, 1, 1000)],
            &[payment(Some(REF1), 1, 1000)],
            date("2026-11-20"),
            &RuleSet::default(),
        );
        assert_eq!(
            classes(&result),
            vec![Some(Class::Mismatch(MismatchReason::DuplicatePresentment)), Some(Class::Match)],
            "the earlier record matches"
        );
    }

    #[test]
    fn chargebacks_reversals_and_fees_are_resettlements_linked_to_their_payment() {
        let mut chargeback = record(REF1, 1, 1000);
        chargeback.kind = RecordKind::Chargeback;
        let mut fee = record(REF2, 2, 35);
        fee.kind = RecordKind::Fee;
        let result = reconcile(
            &[chargeback, fee],
            &[payment(Some(REF1), 1, 1000)],
            date("2026-11-20"),
            &RuleSet::default(),
        );
        assert_eq!(
            result.records,
            vec![
                Outcome::Classified {
                    class: Class::Resettlement(ResettlementReason::Chargeback),
                    payment: Some(0),
                    key: Some(MatchKey::Reference)
                },
                Outcome::Classified {
                    class: Class::Resettlement(ResettlementReason::Fee),
                    payment: None,
                    key: None
                },
            ]
        );
        assert_eq!(result.payments, vec![PaymentState::Pending], "a chargeback does not settle the payment");
    }

    #[test]
    fn records_outside_the_zelle_rules_are_excluded() {
        let mut grocery = record(REF1, 1, 1000);
        grocery.merchant_category = 5411;
        let result = reconcile(&[grocery], &[], date("2026-11-20"), &RuleSet::default());
        assert_eq!(result.records, vec![Outcome::Excluded]);
    }

    #[test]
    fn an_unsettled_payment_is_pending_until_its_grace_period_ends() {
        let p = [payment(Some(REF1), 1, 1000)]; // business date Friday 2026-11-20, grace 2 business days
        let state = |run: &str| reconcile(&[], &p, date(run), &RuleSet::default()).payments[0];
        assert_eq!(state("2026-11-20"), PaymentState::Pending);
        assert_eq!(state("2026-11-24"), PaymentState::Pending, "Tuesday is the last day of grace");
        assert_eq!(state("2026-11-25"), PaymentState::ZelleOnly);
        let mut failed = payment(Some(REF1), 1, 1000);
        failed.status = PaymentStatus::Failed;
        assert_eq!(
            reconcile(&[], &[failed], date("2026-12-20"), &RuleSet::default()).payments[0],
            PaymentState::NotExpected
        );
    }

    /// A generated day reconciles to exactly the situations it was generated with.
    #[test]
    fn a_generated_day_reconciles_to_what_was_generated() {
        let plan = DayPlan::new(date("2026-11-20"), 20_000, 5);
        let cards = cards();
        let (day, out) = generator::generate(
            &plan,
            &cards,
            Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() },
        )
        .unwrap();
        let mut records = Vec::new();
        let mut keep = |p: Parsed| {
            if let Parsed::Record(r) = p {
                records.push(r);
            }
        };
        visa::read(&out.visa[..], &cards, Strictness::Strict, &mut keep).unwrap();
        mastercard::read(&out.mastercard[..], &cards, Strictness::Strict, &mut keep).unwrap();
        let mut payments = Vec::new();
        zelle::read(&out.zelle[..], Strictness::Strict, |p| payments.push(p.unwrap())).unwrap();

        let result = reconcile(&records, &payments, plan.business_date, &RuleSet::default());
        let counts = result.class_counts();
        let generated = |s: Situation| *day.situations.get(&s).unwrap_or(&0);
        let found = |c: Class| *counts.get(&c).unwrap_or(&0);
        use MismatchReason::*;
        use ResettlementReason::*;
        assert_eq!(
            found(Class::Match),
            generated(Situation::Match)
                + generated(Situation::MatchWithoutReference)
                + generated(Situation::DuplicatePresentment)
        );
        assert_eq!(found(Class::Mismatch(AmountDiffers)), generated(Situation::AmountMismatch));
        assert_eq!(found(Class::Mismatch(CurrencyDiffers)), generated(Situation::CurrencyMismatch));
        assert_eq!(found(Class::Mismatch(NetworkOnly)), generated(Situation::NetworkOnly));
        assert_eq!(found(Class::Mismatch(DuplicatePresentment)), generated(Situation::DuplicatePresentment));
        assert_eq!(found(Class::Mismatch(StatusConflict)), generated(Situation::StatusConflict));
        assert_eq!(found(Class::Resettlement(Chargeback)), generated(Situation::Chargeback));
        assert_eq!(found(Class::Resettlement(Reversal)), generated(Situation::Reversal));
        assert_eq!(found(Class::Resettlement(Fee)), generated(Situation::Fee));
        assert_eq!(found(Class::Resettlement(CrossCurrency)), generated(Situation::CrossCurrency));
        let pending = result.payments.iter().filter(|s| **s == PaymentState::Pending).count() as u64;
        assert_eq!(pending, generated(Situation::ZelleOnly));
        // Three business days later the same payments are Zelle-only mismatches.
        let later = reconcile(&records, &payments, date("2026-11-25"), &RuleSet::default());
        let zelle_only = later.payments.iter().filter(|s| **s == PaymentState::ZelleOnly).count() as u64;
        assert_eq!(zelle_only, generated(Situation::ZelleOnly));
    }

    fn arbitrary_day() -> impl Strategy<Value = (Vec<NetworkRecord>, Vec<ZellePayment>)> {
        let record = (0u32..30, 0u32..30, 1i64..5, any::<bool>(), 0u8..4).prop_map(
            |(reference, n, minor, zelle_mcc, kind)| {
                let mut r = record(&format!("7{reference:022}"), n, minor * 100);
                r.merchant_category = if zelle_mcc { 4829 } else { 5411 };
                r.kind = [
                    RecordKind::Presentment,
                    RecordKind::Disbursement,
                    RecordKind::Chargeback,
                    RecordKind::Fee,
                ][kind as usize];
                r
            },
        );
        let payment = (0u32..30, 0u32..30, 1i64..5, any::<bool>(), 0u8..4).prop_map(
            |(reference, n, minor, with_reference, status)| {
                let mut p =
                    payment(with_reference.then(|| format!("7{reference:022}")).as_deref(), n, minor * 100);
                p.status = [
                    PaymentStatus::Completed,
                    PaymentStatus::Pending,
                    PaymentStatus::Failed,
                    PaymentStatus::Reversed,
                ][status as usize];
                p
            },
        );
        (proptest::collection::vec(record, 0..40), proptest::collection::vec(payment, 0..40))
    }

    /// Each record (all its fields) with its class, in a canonical order.
    fn class_multiset(records: &[NetworkRecord], result: &Reconciliation) -> Vec<(String, Option<Class>)> {
        let mut pairs: Vec<_> = records
            .iter()
            .zip(&result.records)
            .map(|(r, o)| {
                let class = match o {
                    Outcome::Classified { class, .. } => Some(*class),
                    Outcome::Excluded => None,
                };
                (format!("{r:?}"), class)
            })
            .collect();
        pairs.sort();
        pairs
    }

    proptest! {
        /// Every record ends in exactly one outcome, and every payment is matched at most once.
        #[test]
        fn classes_partition_the_input((records, payments) in arbitrary_day()) {
            let result = reconcile(&records, &payments, date("2026-11-20"), &RuleSet::default());
            prop_assert_eq!(result.records.len(), records.len());
            prop_assert_eq!(result.payments.len(), payments.len());
            let classified = result.class_counts().values().sum::<u64>();
            let excluded = result.records.iter().filter(|o| **o == Outcome::Excluded).count() as u64;
            prop_assert_eq!(classified + excluded, records.len() as u64);
            // A payment is matched by the one record that says so.
            for (p, state) in result.payments.iter().enumerate() {
                if let PaymentState::Matched { record } = state {
                    let Outcome::Classified { payment, .. } = result.records[*record] else { panic!() };
                    prop_assert_eq!(payment, Some(p));
                }
            }
        }

        /// Re-running a day, in any order, gives the same result.
        #[test]
        fn the_result_does_not_depend_on_input_order((records, payments) in arbitrary_day(), seed in any::<u64>()) {
            let rules = RuleSet::default();
            let first = reconcile(&records, &payments, date("2026-11-20"), &rules);
            prop_assert_eq!(&first, &reconcile(&records, &payments, date("2026-11-20"), &rules));
            let mut shuffled = records.clone();
            let n = shuffled.len();
            if n > 1 {
                for i in 0..n {
                    let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % n as u64) as usize;
                    shuffled.swap(i, j);
                }
            }
            let again = reconcile(&shuffled, &payments, date("2026-11-20"), &rules);
            prop_assert_eq!(class_multiset(&records, &first), class_multiset(&shuffled, &again));
        }
    }
}
