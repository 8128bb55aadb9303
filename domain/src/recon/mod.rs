//! Reconciliation: every network record of a business date classified against the bank's Zelle
//! payments, by rules that are data ([`rules`]), in a pure, deterministic engine ([`engine`]).

pub mod engine;
pub mod rules;

pub use engine::{
    reconcile, Class, MatchKey, MismatchReason, Outcome, PaymentState, Reconciliation, ResettlementReason,
};
pub use rules::{NetworkRules, RuleSet};
