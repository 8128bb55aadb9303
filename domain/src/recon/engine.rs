//! The matching engine.
//!
//! 1. **Filter**: a network record belongs to Zelle when its network's rules accept its merchant
//!    category and kind; others are [`Outcome::Excluded`].
//! 2. **Resettlement**: chargebacks, reversals and fees move money between settlement accounts;
//!    they are linked to the payment they concern when its reference is known.
//! 3. **Primary match**: presentments and disbursements are matched on the network reference; then
//!    currency, amount (within the tolerance) and the payment's status are compared, and a settled
//!    amount that differs from the booked one (cross-currency) makes a resettlement.
//! 4. **Secondary match**, once every primary match is made (a reference is the stronger
//!    evidence): a record whose reference no payment carries is matched on card fingerprint, amount
//!    and approval code within the date window (nearest date first), then on the last four digits
//!    when the rules allow.
//! 5. A second record for an already matched payment is a duplicate presentment; a record with no
//!    payment at all is network-only.
//! 6. A payment left without a record is pending until its grace period (business days) ends, then
//!    Zelle-only; failed and reversed payments expect no record.
//!
//! Records are processed in a canonical order, so the outcome never depends on input order. The
//! engine works on the compact form of records and payments ([`super::keys`]).

use std::collections::HashMap;

use std::hash::BuildHasher;

use foldhash::fast::{FixedState, RandomState as FastHash};

use chrono::NaiveDate;

use super::keys::{Amount, PaymentKeys, RecordKeys, NO_REFERENCE};
use super::rules::{NetworkRules, RuleSet};
use crate::calendar::Holidays;
use crate::feeds::zelle::{PaymentStatus, ZellePayment};
use crate::feeds::{Network, NetworkRecord, RecordKind};

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

impl MatchKey {
    /// The rule's name as a match stores it.
    pub fn code(self) -> &'static str {
        match self {
            MatchKey::Reference => "reference",
            MatchKey::CardAmountApproval => "card_amount_approval",
            MatchKey::Last4AmountApproval => "last4_amount_approval",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not a Zelle record under the rules.
    Excluded,
    Classified {
        class: Class,
        /// The payment's index (u32, not usize: ten million outcomes are written in one pass, and
        /// their size is what the pass costs).
        payment: Option<u32>,
        key: Option<MatchKey>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    Matched {
        record: u32,
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
/// the payments still pending from earlier dates), in any order.
pub fn reconcile(
    records: &[NetworkRecord],
    payments: &[ZellePayment],
    run_date: NaiveDate,
    rules: &RuleSet,
    holidays: &Holidays,
) -> Reconciliation {
    let mut by_id: Vec<usize> = (0..payments.len()).collect();
    by_id.sort_by(|a, b| payments[*a].payment_id.cmp(&payments[*b].payment_id));
    let record_keys: Vec<RecordKeys> = records.iter().map(RecordKeys::of).collect();
    let payment_keys: Vec<PaymentKeys> = by_id.iter().map(|i| PaymentKeys::of(&payments[*i])).collect();
    let sorted = reconcile_keys(&record_keys, &payment_keys, run_date, rules, holidays);
    let records = sorted
        .records
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Classified { class, payment, key } => {
                Outcome::Classified { class, payment: payment.map(|p| by_id[p as usize] as u32), key }
            }
            Outcome::Excluded => Outcome::Excluded,
        })
        .collect();
    let mut states = vec![PaymentState::Pending; payments.len()];
    for (position, state) in sorted.payments.into_iter().enumerate() {
        states[by_id[position]] = state;
    }
    Reconciliation { rule_set_version: sorted.rule_set_version, records, payments: states }
}

/// [`reconcile`] on the compact form of records and payments. `payments` must be in ascending
/// payment id: where two payments could take the same record, the lower id wins, and the index is
/// what stands for the id here.
///
/// Every step sorts or scans flat arrays instead of chasing pointers: the records and the payments
/// are each sorted by reference (on both cores at once) and merged; the records left over are
/// joined by hash, in one shard per core, with just the payments that share their card, amount
/// and approval code.
/// A payment has one reference and one card key, so keys never compete with each other, and only
/// the order of records within one key decides anything: that order is the canonical one.
pub fn reconcile_keys(
    records: &[RecordKeys],
    payments: &[PaymentKeys],
    run_date: NaiveDate,
    rules: &RuleSet,
    holidays: &Holidays,
) -> Reconciliation {
    assert!(
        records.len() < DUPLICATE as usize && payments.len() < DUPLICATE as usize,
        "too large for one run"
    );
    let rules_of = |r: &RecordKeys| zelle_rules(rules, r);
    // Each side is sorted as one number per entry, reference above index (16 bytes instead of a
    // 32-byte pair: half the memory to move, one comparison): 10M records sorted in about half the
    // time. The records' rules are looked up once, as they are packed.
    let ((zelle, sorted_records), sorted_payments) = std::thread::scope(|scope| {
        let sorted_payments = scope.spawn(|| {
            let mut sorted: Vec<u128> = (payments.iter().enumerate())
                .filter(|(_, p)| p.reference != NO_REFERENCE)
                .map(|(i, p)| packed(p.reference, i))
                .collect();
            sorted.sort_unstable();
            sorted
        });
        let zelle: Vec<Option<&NetworkRules>> = records.iter().map(rules_of).collect();
        let mut sorted: Vec<u128> = (records.iter().enumerate())
            .filter(|(i, _)| zelle[*i].is_some())
            .map(|(i, r)| packed(r.reference, i))
            .collect();
        sorted.sort_unstable();
        ((zelle, sorted), sorted_payments.join().expect("sorting does not panic"))
    });

    // Primary, the reference: one merge of the two sorted lists, touching a record only where
    // several share a reference (duplicates, rare). What the merge finds is written per record:
    // the payment its reference names, flagged when an earlier record (in the canonical order)
    // already took it. Resettlements link to their payment but do not take it.
    let mut referenced: Vec<u32> = vec![NONE; records.len()];
    let mut at = 0;
    for group in sorted_records.chunk_by(|a, b| a >> 32 == b >> 32) {
        let reference = group[0] >> 32;
        while at < sorted_payments.len() && sorted_payments[at] >> 32 < reference {
            at += 1;
        }
        let Some(payment) = sorted_payments.get(at).filter(|p| **p >> 32 == reference).map(|p| index_of(*p))
        else {
            continue;
        };
        if let [only] = group {
            referenced[index_of(*only)] = payment as u32;
            continue;
        }
        let mut in_order: Vec<usize> = group.iter().map(|p| index_of(*p)).collect();
        in_order.sort_unstable_by(|a, b| records[*a].canonical().cmp(&records[*b].canonical()));
        let mut taken = false;
        for index in in_order {
            let takes = resettlement_reason(records[index].kind).is_none();
            referenced[index] = payment as u32 | if takes && taken { DUPLICATE } else { 0 };
            taken |= takes;
        }
    }
    drop((sorted_records, sorted_payments));

    // Each record's outcome from what the merge found, in record order on both cores (sequential
    // reads and writes; only the payment compared with is fetched from elsewhere). Each half also
    // says which payments its records took, and which records wait for the secondary keys.
    let mut outcomes = vec![Outcome::Excluded; records.len()];
    let classify = |from: usize, outcomes: &mut [Outcome]| -> (Vec<u32>, Vec<(u32, u32)>) {
        let (mut waiting, mut taken) = (Vec::new(), Vec::new());
        for (offset, outcome) in outcomes.iter_mut().enumerate() {
            let index = from + offset;
            let Some(network_rules) = zelle[index] else { continue };
            let record = &records[index];
            let found = referenced[index];
            let payment = (found != NONE).then_some(found & !DUPLICATE);
            let key = payment.map(|_| MatchKey::Reference);
            *outcome = match (resettlement_reason(record.kind), payment) {
                (Some(reason), payment) => {
                    Outcome::Classified { class: Class::Resettlement(reason), payment, key }
                }
                (None, Some(payment)) if found & DUPLICATE != 0 => Outcome::Classified {
                    class: Class::Mismatch(MismatchReason::DuplicatePresentment),
                    payment: Some(payment),
                    key,
                },
                (None, Some(payment)) => {
                    taken.push((payment, index as u32));
                    let class =
                        compare(record, &payments[payment as usize], network_rules.amount_tolerance_minor);
                    Outcome::Classified { class, payment: Some(payment), key }
                }
                (None, None) => {
                    waiting.push(index as u32);
                    continue;
                }
            };
        }
        (waiting, taken)
    };
    let half = records.len() / 2;
    let ((mut waiting, lower_taken), (upper_waiting, upper_taken)) = std::thread::scope(|scope| {
        let (lower, upper) = outcomes.split_at_mut(half);
        let upper = scope.spawn(|| classify(half, upper));
        (classify(0, lower), upper.join().expect("classifying does not panic"))
    });
    waiting.extend(upper_waiting);
    drop(referenced);
    let mut consumed: Vec<u32> = vec![NONE; payments.len()];
    for (payment, record) in lower_taken.into_iter().chain(upper_taken) {
        consumed[payment as usize] = record;
    }

    // Secondary: card (then, where the rules allow, last four), amount and approval code.
    let mut duplicate_of: HashMap<u32, (MatchKey, u32), FastHash> = HashMap::default();
    for key in [MatchKey::CardAmountApproval, MatchKey::Last4AmountApproval] {
        let (eligible, other): (Vec<u32>, Vec<u32>) = waiting.into_iter().partition(|i| {
            key == MatchKey::CardAmountApproval || zelle[*i as usize].is_some_and(|n| n.secondary_on_last4)
        });
        let found = SecondaryPass { key, records, payments, rules }.run(eligible, &consumed);
        for (record, payment, class) in found.matched {
            consumed[payment as usize] = record;
            outcomes[record as usize] = Outcome::Classified { class, payment: Some(payment), key: Some(key) };
        }
        for (record, payment) in found.duplicates {
            // The first pass to see one wins.
            duplicate_of.entry(record).or_insert((key, payment));
        }
        waiting = found.waiting;
        waiting.extend(other);
    }
    for index in waiting {
        outcomes[index as usize] = match duplicate_of.get(&index) {
            Some(&(key, payment)) => Outcome::Classified {
                class: Class::Mismatch(MismatchReason::DuplicatePresentment),
                payment: Some(payment),
                key: Some(key),
            },
            None => Outcome::Classified {
                class: Class::Mismatch(MismatchReason::NetworkOnly),
                payment: None,
                key: None,
            },
        };
    }

    // Payments: the grace period ends on the same date for every payment of a day and network.
    let mut grace_ends: HashMap<(NaiveDate, Network), NaiveDate, FastHash> = HashMap::default();
    let payment_states = payments
        .iter()
        .zip(&consumed)
        .map(|(p, consumed)| match *consumed {
            NONE if matches!(p.status, PaymentStatus::Failed | PaymentStatus::Reversed) => {
                PaymentState::NotExpected
            }
            NONE => {
                let ends = *grace_ends.entry((p.business_date, p.network)).or_insert_with(|| {
                    let grace = rules.rules_for(p.network).map(|r| r.grace_business_days).unwrap_or(0);
                    holidays.add_business_days(p.business_date, grace)
                });
                if run_date > ends {
                    PaymentState::ZelleOnly
                } else {
                    PaymentState::Pending
                }
            }
            record => PaymentState::Matched { record },
        })
        .collect();
    Reconciliation { rule_set_version: rules.version, records: outcomes, payments: payment_states }
}

/// A reference and an index as one sortable number: the reference in the high 96 bits, the index
/// in the low 32. References are 23-digit numbers (under 2^77) or, when not digits, 2^100 plus a
/// 64-bit hash (see `keys::reference`): both keep their order in 96 bits.
fn packed(reference: u128, index: usize) -> u128 {
    let compact =
        if reference < 1 << 96 { reference } else { (1 << 95) | (reference & u128::from(u64::MAX)) };
    (compact << 32) | index as u128
}

fn index_of(packed: u128) -> usize {
    (packed & u128::from(u32::MAX)) as usize
}

/// The rules of the record's network, if the record is Zelle's under them.
fn zelle_rules<'r>(rules: &'r RuleSet, r: &RecordKeys) -> Option<&'r NetworkRules> {
    rules.rules_for(r.network).filter(|n| {
        (n.merchant_categories.is_empty() || n.merchant_categories.contains(&r.merchant_category))
            && (n.kinds.is_empty() || n.kinds.contains(&r.kind))
    })
}

/// "No index" in the arrays of record and payment indexes.
const NONE: u32 = u32::MAX;
/// Flags a payment index found by reference that an earlier record already took.
const DUPLICATE: u32 = 1 << 31;

fn resettlement_reason(kind: RecordKind) -> Option<ResettlementReason> {
    match kind {
        RecordKind::Chargeback => Some(ResettlementReason::Chargeback),
        RecordKind::Reversal => Some(ResettlementReason::Reversal),
        RecordKind::Fee => Some(ResettlementReason::Fee),
        RecordKind::Presentment | RecordKind::Disbursement => None,
    }
}

/// The card (or last four), amount and approval code of a record or payment, by which secondary
/// matching joins them.
type SecondaryKey = (u128, Amount, u64);

/// The hash that places a secondary key in the bit filter and in its shard.
fn secondary_hash(key: &SecondaryKey) -> u64 {
    FixedState::with_seed(5).hash_one(key)
}

/// Secondary keys are split into this many shards by hash, one per core: records and payments of
/// one key are always in the same shard, and no two shards compete for anything.
const SHARDS: usize = 2;

fn shard_of(hash: u64) -> usize {
    (hash >> 63) as usize
}

/// A record waiting for a secondary match, with what choosing its payment reads of it, so that
/// the walk over a shard reads nothing at random (64 bytes, as the key and index alone take).
#[derive(Debug, Clone, Copy)]
struct WaitingRecord {
    key: SecondaryKey,
    index: u32,
    transaction_date: NaiveDate,
    network: Network,
    settled_as_presented: bool,
}

/// A payment some waiting record may take (its key passed the bit filter), with what choosing
/// among the payments of one key reads.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    key: SecondaryKey,
    payment: u32,
    business_date: NaiveDate,
    status: PaymentStatus,
    /// Already taken (by an earlier pass, or by a record before this one in this pass).
    consumed: bool,
}

/// What a secondary pass decided, applied by the caller.
#[derive(Default)]
struct SecondaryFound {
    /// (record, payment, class): the record takes the payment.
    matched: Vec<(u32, u32, Class)>,
    /// (record, payment): the record found only taken payments, the first of them this one.
    duplicates: Vec<(u32, u32)>,
    /// Records still without a payment.
    waiting: Vec<u32>,
}

struct SecondaryPass<'a> {
    key: MatchKey,
    records: &'a [RecordKeys],
    payments: &'a [PaymentKeys],
    rules: &'a RuleSet,
}

impl SecondaryPass<'_> {
    fn record_key(&self, r: &RecordKeys) -> SecondaryKey {
        let card = if self.key == MatchKey::Last4AmountApproval { u128::from(r.last4) } else { r.card };
        (card, r.amount, r.approval)
    }

    fn payment_key(&self, p: &PaymentKeys) -> SecondaryKey {
        let card = if self.key == MatchKey::Last4AmountApproval { u128::from(p.last4) } else { p.card };
        (card, p.amount, p.approval)
    }

    /// Matches each of `waiting` to the payment not yet `consumed` with its key nearest in date
    /// within the window (the lower payment id on a tie). Records that found only consumed
    /// payments are reported as possible duplicates.
    ///
    /// A hash join in shards: the waiting records' keys go into a bit filter, one scan of the
    /// payments (on both cores) keeps those that pass it, and each shard (on its own core) sorts its
    /// records and candidates by key and walks them together. The filter's few false positives meet
    /// no record of their key in the walk.
    fn run(&self, waiting: Vec<u32>, consumed: &[u32]) -> SecondaryFound {
        if waiting.is_empty() {
            return SecondaryFound::default();
        }
        let mut filter = KeyFilter::sized_for(waiting.len());
        let mut waiting_in: [Vec<WaitingRecord>; SHARDS] = Default::default();
        for index in waiting {
            let record = &self.records[index as usize];
            let key = self.record_key(record);
            let hash = secondary_hash(&key);
            filter.insert(hash);
            waiting_in[shard_of(hash)].push(WaitingRecord {
                key,
                index,
                transaction_date: record.transaction_date,
                network: record.network,
                settled_as_presented: record.settled_as_presented(),
            });
        }
        let half = self.payments.len() / 2;
        let scan = |from: usize, to: usize| -> [Vec<Candidate>; SHARDS] {
            let mut found: [Vec<Candidate>; SHARDS] = Default::default();
            for (i, p) in self.payments[from..to].iter().enumerate() {
                let key = self.payment_key(p);
                let hash = secondary_hash(&key);
                if filter.may_contain(hash) {
                    let payment = from + i;
                    found[shard_of(hash)].push(Candidate {
                        key,
                        payment: payment as u32,
                        business_date: p.business_date,
                        status: p.status,
                        consumed: consumed[payment] != NONE,
                    });
                }
            }
            found
        };
        std::thread::scope(|scope| {
            let upper = scope.spawn(|| scan(half, self.payments.len()));
            let [mut first_candidates, mut second_candidates] = scan(0, half);
            let [upper_first, upper_second] = upper.join().expect("scanning does not panic");
            first_candidates.extend(upper_first);
            second_candidates.extend(upper_second);
            let [first_waiting, second_waiting] = waiting_in;
            let second = scope.spawn(|| self.walk(second_waiting, second_candidates));
            let mut found = self.walk(first_waiting, first_candidates);
            let second = second.join().expect("walking does not panic");
            found.matched.extend(second.matched);
            found.duplicates.extend(second.duplicates);
            found.waiting.extend(second.waiting);
            found
        })
    }

    /// One shard: its records in key and then canonical order, each taking the nearest payment
    /// of its key not yet taken.
    fn walk(&self, mut waiting: Vec<WaitingRecord>, mut candidates: Vec<Candidate>) -> SecondaryFound {
        waiting.sort_unstable_by(|a, b| {
            a.key.cmp(&b.key).then_with(|| {
                self.records[a.index as usize].canonical().cmp(&self.records[b.index as usize].canonical())
            })
        });
        candidates.sort_unstable_by_key(|c| (c.key, c.payment));
        let mut found = SecondaryFound::default();
        let mut at = 0;
        for record in waiting {
            while at < candidates.len() && candidates[at].key < record.key {
                at += 1;
            }
            let network_rules = self.rules.rules_for(record.network).expect("only Zelle records wait");
            let mut first = None;
            let mut nearest: Option<(i64, usize)> = None;
            for (offset, candidate) in candidates[at..].iter().take_while(|c| c.key == record.key).enumerate()
            {
                let days = (candidate.business_date - record.transaction_date).num_days().abs();
                if days > network_rules.date_window_days {
                    continue;
                }
                first.get_or_insert(candidate.payment);
                // Candidates of a key are in payment order: a strict comparison keeps the lower id.
                if !candidate.consumed && nearest.is_none_or(|(nearest_days, _)| days < nearest_days) {
                    nearest = Some((days, at + offset));
                }
            }
            match (nearest, first) {
                (Some((_, position)), _) => {
                    let candidate = &mut candidates[position];
                    candidate.consumed = true;
                    // The key holds the amount, the same on both sides.
                    let amount = record.key.1;
                    let class = compare_amounts(
                        amount,
                        record.settled_as_presented,
                        amount,
                        candidate.status,
                        network_rules.amount_tolerance_minor,
                    );
                    found.matched.push((record.index, candidate.payment, class));
                }
                (None, first) => {
                    if let Some(payment) = first {
                        found.duplicates.push((record.index, payment));
                    }
                    found.waiting.push(record.index);
                }
            }
        }
        found
    }
}

/// A bit filter over secondary keys' hashes: "no" for most keys not in it, after one read of a
/// table that stays in the cache (two bits per key in one word, ~16 bits per key), so that the
/// payments' scan keeps only the few that may match.
struct KeyFilter {
    words: Vec<u64>,
    mask: u64,
}

impl KeyFilter {
    fn sized_for(keys: usize) -> KeyFilter {
        let words = (keys / 4).next_power_of_two().max(1);
        KeyFilter { words: vec![0; words], mask: words as u64 - 1 }
    }

    fn place(&self, hash: u64) -> (usize, u64) {
        ((hash >> 32 & self.mask) as usize, 1 << (hash & 63) | 1 << (hash >> 6 & 63))
    }

    fn insert(&mut self, hash: u64) {
        let (word, bits) = self.place(hash);
        self.words[word] |= bits;
    }

    fn may_contain(&self, hash: u64) -> bool {
        let (word, bits) = self.place(hash);
        self.words[word] & bits == bits
    }
}

/// A record and the payment it found: does everything agree?
fn compare(record: &RecordKeys, payment: &PaymentKeys, tolerance: i64) -> Class {
    compare_amounts(record.amount, record.settled_as_presented(), payment.amount, payment.status, tolerance)
}

/// [`compare`] on just what it reads: the record's amount and whether it settled that amount as
/// presented, the payment's amount and status.
fn compare_amounts(
    presented: Amount,
    settled_as_presented: bool,
    booked: Amount,
    status: PaymentStatus,
    tolerance: i64,
) -> Class {
    if presented.currency != booked.currency {
        return Class::Mismatch(MismatchReason::CurrencyDiffers);
    }
    if (presented.minor - booked.minor).abs() > tolerance {
        return Class::Mismatch(MismatchReason::AmountDiffers);
    }
    if matches!(status, PaymentStatus::Failed | PaymentStatus::Reversed) {
        return Class::Mismatch(MismatchReason::StatusConflict);
    }
    if !settled_as_presented {
        return Class::Resettlement(ResettlementReason::CrossCurrency);
    }
    Class::Match
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::feeds::generator::Situation;
    use crate::feeds::testing::{date, parsed_day};
    use crate::feeds::{CardRef, Network};
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
            &Holidays::none(),
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
            &Holidays::none(),
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
        let result = reconcile(
            &[record(REF1, 1, 1000)],
            &[late],
            date("2026-11-20"),
            &RuleSet::default(),
            &Holidays::none(),
        );
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
            let result = reconcile(&[r], &[p], date("2026-11-20"), &RuleSet::default(), &Holidays::none());
            assert_eq!(classes(&result), vec![Some(expected)]);
        }
    }

    #[test]
    fn a_tolerance_in_the_rules_lets_small_differences_match() {
        let mut rules = RuleSet::default();
        rules.networks.get_mut(&Network::Visa).unwrap().amount_tolerance_minor = 2;
        let result = reconcile(
            &[record(REF1, 1, 1002)],
            &[payment(Some(REF1), 1, 1000)],
            date("2026-11-20"),
            &rules,
            &Holidays::none(),
        );
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
            &Holidays::none(),
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
            &Holidays::none(),
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
        let result = reconcile(&[grocery], &[], date("2026-11-20"), &RuleSet::default(), &Holidays::none());
        assert_eq!(result.records, vec![Outcome::Excluded]);
    }

    #[test]
    fn a_bank_holiday_in_the_grace_period_lengthens_it() {
        let p = [payment(Some(REF1), 1, 1000)]; // Friday 2026-11-20, grace 2 business days
                                                // Monday 23rd a holiday: the grace runs to Wednesday.
        let holidays = Holidays::from_days([date("2026-11-23")]);
        let state = |run: &str| reconcile(&[], &p, date(run), &RuleSet::default(), &holidays).payments[0];
        assert_eq!(state("2026-11-25"), PaymentState::Pending, "Wednesday is the last day of grace");
        assert_eq!(state("2026-11-26"), PaymentState::ZelleOnly);
    }

    #[test]
    fn an_unsettled_payment_is_pending_until_its_grace_period_ends() {
        let p = [payment(Some(REF1), 1, 1000)]; // business date Friday 2026-11-20, grace 2 business days
        let state =
            |run: &str| reconcile(&[], &p, date(run), &RuleSet::default(), &Holidays::none()).payments[0];
        assert_eq!(state("2026-11-20"), PaymentState::Pending);
        assert_eq!(state("2026-11-24"), PaymentState::Pending, "Tuesday is the last day of grace");
        assert_eq!(state("2026-11-25"), PaymentState::ZelleOnly);
        let mut failed = payment(Some(REF1), 1, 1000);
        failed.status = PaymentStatus::Failed;
        assert_eq!(
            reconcile(&[], &[failed], date("2026-12-20"), &RuleSet::default(), &Holidays::none()).payments[0],
            PaymentState::NotExpected
        );
    }

    /// A generated day reconciles to exactly the situations it was generated with.
    #[test]
    fn a_generated_day_reconciles_to_what_was_generated() {
        let (day, records, payments) = parsed_day("2026-11-20", 20_000, 5);

        let result =
            reconcile(&records, &payments, date("2026-11-20"), &RuleSet::default(), &Holidays::none());
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
        let later =
            reconcile(&records, &payments, date("2026-11-25"), &RuleSet::default(), &Holidays::none());
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

    #[test]
    fn packed_references_keep_their_order_and_their_index() {
        use crate::recon::keys::reference;
        let refs = [
            reference("00000000000000000000001"),
            reference("74123456789012345678901"),
            reference("99999999999999999999999"),
            reference("not digits"),
            reference("other text"),
        ];
        let mut sorted = refs;
        sorted.sort_unstable();
        let packed_sorted: Vec<u128> = {
            let mut p: Vec<u128> = sorted.iter().enumerate().map(|(i, r)| packed(*r, 4 - i)).collect();
            p.sort_unstable();
            p
        };
        let back: Vec<usize> = packed_sorted.iter().map(|p| index_of(*p)).collect();
        assert_eq!(back, vec![4, 3, 2, 1, 0], "the order of the references, each with its index");
        assert!(packed(refs[0], 7) < packed(refs[0], 8), "equal references order by index");
    }

    proptest! {
        /// Every record ends in exactly one outcome, and every payment is matched at most once.
        #[test]
        fn classes_partition_the_input((records, payments) in arbitrary_day()) {
            let result = reconcile(&records, &payments, date("2026-11-20"), &RuleSet::default(), &Holidays::none());
            prop_assert_eq!(result.records.len(), records.len());
            prop_assert_eq!(result.payments.len(), payments.len());
            let classified = result.class_counts().values().sum::<u64>();
            let excluded = result.records.iter().filter(|o| **o == Outcome::Excluded).count() as u64;
            prop_assert_eq!(classified + excluded, records.len() as u64);
            // A payment is matched by the one record that says so.
            for (p, state) in result.payments.iter().enumerate() {
                if let PaymentState::Matched { record } = state {
                    let Outcome::Classified { payment, .. } = result.records[*record as usize] else { panic!() };
                    prop_assert_eq!(payment, Some(p as u32));
                }
            }
        }

        /// Re-running a day, in any order, gives the same result.
        #[test]
        fn the_result_does_not_depend_on_input_order((records, payments) in arbitrary_day(), seed in any::<u64>()) {
            let rules = RuleSet::default();
            let first = reconcile(&records, &payments, date("2026-11-20"), &rules, &Holidays::none());
            prop_assert_eq!(&first, &reconcile(&records, &payments, date("2026-11-20"), &rules, &Holidays::none()));
            let mut shuffled = records.clone();
            let n = shuffled.len();
            if n > 1 {
                for i in 0..n {
                    let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % n as u64) as usize;
                    shuffled.swap(i, j);
                }
            }
            let again = reconcile(&shuffled, &payments, date("2026-11-20"), &rules, &Holidays::none());
            prop_assert_eq!(class_multiset(&records, &first), class_multiset(&shuffled, &again));
        }
    }
}
