//! Reconciliation: every network record of a business date classified against the bank's Zelle
//! payments, by rules that are data ([`rules`]), in a pure, deterministic engine ([`engine`]),
//! written out as the three daily reports and their manifest ([`report`]), with the day's control
//! totals ([`control`]), and what a run's items add up to ([`counts`]).

pub mod control;
pub mod counts;
pub mod day_files;
pub mod engine;
mod error;
pub mod history;
mod item_rows;
pub mod keys;
pub mod open_payments;
pub mod report;
pub mod rules;
pub mod run;
pub mod spill;

pub use engine::{
    reconcile, reconcile_keys, Class, MatchKey, MismatchReason, Outcome, PaymentState, Reconciliation,
    ResettlementReason,
};
pub use error::RunError;
pub use keys::{PaymentKeys, RecordKeys};
pub use rules::{NetworkRules, RuleSet};
