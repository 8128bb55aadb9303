//! What ingestion counts of a network file as it reads it: records and their amount per
//! currency. The file's side of the day's control equation (`recon::control`), which a run's own
//! count of what it classified must equal.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};

/// Records, and their amount in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub records: u64,
    pub amount: Decimal,
}

/// What ingestion read of one network file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTotals {
    /// Per currency code: the readable records, and the unreadable ones whose amount and currency
    /// fields are readable.
    pub currencies: BTreeMap<String, Tally>,
    /// Unreadable records whose amount or currency cannot be read: counted, in no currency.
    pub without_amount: u64,
}

/// Counts records and sums their amounts per currency, as they come.
#[derive(Debug, Clone, Default)]
pub struct Tallying {
    /// Records and minor units per currency, in the order first seen (a file has a handful).
    currencies: Vec<(Currency, u64, i128)>,
    without_amount: u64,
}

impl Tallying {
    pub fn add(&mut self, amount: Option<Money>) {
        let Some(amount) = amount else {
            self.without_amount += 1;
            return;
        };
        let currency = amount.currency();
        let minor = i128::from(amount.minor());
        match self.currencies.iter_mut().find(|(c, ..)| *c == currency) {
            Some((_, records, total)) => {
                *records += 1;
                *total += minor;
            }
            None => self.currencies.push((currency, 1, minor)),
        }
    }

    pub fn totals(&self) -> FileTotals {
        FileTotals {
            currencies: (self.currencies.iter())
                .map(|(c, records, minor)| {
                    (c.code().to_owned(), Tally { records: *records, amount: c.decimal(*minor) })
                })
                .collect(),
            without_amount: self.without_amount,
        }
    }
}
