//! Matching rules are data, not code: per network, which records belong to Zelle, how far amounts
//! may differ, how wide the date window of secondary matching is, and how long a Zelle payment may
//! wait for its network record. Rule sets are versioned; every run records the version it used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::feeds::{Network, RecordKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    pub version: u32,
    pub networks: BTreeMap<Network, NetworkRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkRules {
    /// Which network records are Zelle's: merchant categories (empty: any)…
    pub merchant_categories: Vec<u16>,
    /// …and record kinds (empty: any).
    pub kinds: Vec<RecordKind>,
    /// How far the network amount may differ from the Zelle amount and still match, in minor units.
    pub amount_tolerance_minor: i64,
    /// Secondary matching (card, amount, approval code) looks this many days either side.
    pub date_window_days: i64,
    /// A Zelle payment without a network record is pending for this many business days after its
    /// business date, and a mismatch after that.
    pub grace_business_days: u32,
    /// Whether secondary matching may use the card's last four digits when the fingerprints differ
    /// (a token rotated between authorization and clearing).
    pub secondary_on_last4: bool,
}

impl RuleSet {
    pub fn rules_for(&self, network: Network) -> Option<&NetworkRules> {
        self.networks.get(&network)
    }

    pub fn from_json(text: &str) -> Result<RuleSet, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl Default for RuleSet {
    /// Version 1: Zelle's card funding clears as money transfer (MCC 4829) on both networks.
    fn default() -> Self {
        let rules = NetworkRules {
            merchant_categories: vec![4829],
            kinds: vec![],
            amount_tolerance_minor: 0,
            date_window_days: 3,
            grace_business_days: 2,
            secondary_on_last4: false,
        };
        RuleSet {
            version: 1,
            networks: BTreeMap::from([(Network::Visa, rules.clone()), (Network::Mastercard, rules)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_sets_round_trip_through_json() {
        let rules = RuleSet::default();
        let text = serde_json::to_string_pretty(&rules).unwrap();
        assert!(text.contains("\"merchant_categories\""), "{text}");
        assert_eq!(RuleSet::from_json(&text).unwrap(), rules);
        assert!(RuleSet::from_json("{\"version\": 2}").is_err(), "incomplete rules are refused");
    }
}
