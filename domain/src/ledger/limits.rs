//! Limits in the reporting currency. The bank sets its thresholds in USD; an action in any other
//! currency is valued through a reference rate table that admins maintain. An action's value is
//! taken from the postings it would make, leg by leg (each currency's debits, valued in USD, the
//! largest counting), so an FX transfer's receiving leg counts as much as its paying leg, and a
//! reversal is valued like the transaction it undoes.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use super::posting::Line;
use crate::audit::{self, Actor, AuditAction, NewAuditEvent};
use crate::money::Currency;

/// The reporting currency limits are set in.
pub const REPORTING_CURRENCY: &str = "USD";

/// Limits set by the bank, in USD cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Actions worth more than this need two approvers.
    pub dual_approval_above_usd_minor: i64,
    /// The most one action may be worth.
    pub max_usd_minor: i64,
    /// How far (in basis points) an FX transfer's rate may lie from the reference cross rate.
    pub fx_band_bps: u32,
    /// How long an action waits for approval.
    pub expires_after: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            dual_approval_above_usd_minor: 1_000_000, // 10,000.00 USD
            max_usd_minor: 10_000_000_000,            // 100,000,000.00 USD
            fx_band_bps: 500,                         // 5 %
            expires_after: Duration::hours(24),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error("there is no reference rate for {0}: an admin sets it on the Admin page")]
    NoRate(String),
    #[error("the rate {given} is outside the allowed band of {band_bps} basis points around the reference rate {reference}")]
    RateOutsideBand { given: Decimal, reference: Decimal, band_bps: u32 },
    #[error("a reference rate is a positive number with at most 10 decimal places, under 1,000,000")]
    BadRate,
    #[error("{0} is not a currency")]
    UnknownCurrency(String),
    #[error("the value overflowed")]
    Overflow,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A currency's reference rate, as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceRate {
    pub currency: String,
    pub usd_per_unit: Decimal,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// USD per unit of each currency that has a rate.
#[derive(Debug, Clone, Default)]
pub struct ReferenceRates(BTreeMap<String, Decimal>);

impl ReferenceRates {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'static str, Decimal)>) -> Self {
        ReferenceRates(pairs.into_iter().map(|(c, r)| (c.to_owned(), r)).collect())
    }

    fn rate(&self, currency: &str) -> Result<Decimal, LimitError> {
        self.0.get(currency).copied().ok_or_else(|| LimitError::NoRate(currency.to_owned()))
    }

    /// `minor` units of `currency` in USD cents, rounded up (a limit is never undercounted).
    pub fn usd_minor(&self, minor: i64, currency: Currency) -> Result<i64, LimitError> {
        let rate = self.rate(currency.code())?;
        let usd = currency.decimal(i128::from(minor)).checked_mul(rate).ok_or(LimitError::Overflow)?;
        let cents = usd
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(LimitError::Overflow)?
            .round_dp_with_strategy(0, RoundingStrategy::AwayFromZero);
        i64::try_from(cents).map_err(|_| LimitError::Overflow)
    }

    /// What `lines` move, in USD cents: each currency's debits valued in USD, the largest of them.
    pub fn value_of(&self, lines: &[Line]) -> Result<i64, LimitError> {
        let mut debits: BTreeMap<&'static str, (i64, Currency)> = BTreeMap::new();
        for line in lines.iter().filter(|l| l.amount.minor() > 0) {
            let currency = line.amount.currency();
            let entry = debits.entry(currency.code()).or_insert((0, currency));
            entry.0 = entry.0.checked_add(line.amount.minor()).ok_or(LimitError::Overflow)?;
        }
        debits
            .values()
            .try_fold(0i64, |most, (minor, currency)| Ok(most.max(self.usd_minor(*minor, *currency)?)))
    }

    /// Units of `to` per unit of `from`, by the reference rates.
    pub fn cross(&self, from: &str, to: &str) -> Result<Decimal, LimitError> {
        self.rate(from)?.checked_div(self.rate(to)?).ok_or(LimitError::Overflow)
    }

    /// Refuses a rate further than `band_bps` from the reference cross rate.
    pub fn check_band(&self, from: &str, to: &str, given: Decimal, band_bps: u32) -> Result<(), LimitError> {
        let reference = self.cross(from, to)?;
        let band = reference * Decimal::new(i64::from(band_bps), 4);
        if given < reference - band || given > reference + band {
            return Err(LimitError::RateOutsideBand {
                given,
                reference: reference.round_dp(6).normalize(),
                band_bps,
            });
        }
        Ok(())
    }
}

pub async fn load(db: &mut PgConnection) -> Result<ReferenceRates, sqlx::Error> {
    let rows = sqlx::query!("SELECT currency, usd_per_unit FROM reference_rate").fetch_all(&mut *db).await?;
    Ok(ReferenceRates(rows.into_iter().map(|r| (r.currency, r.usd_per_unit)).collect()))
}

pub async fn list(pool: &PgPool) -> Result<Vec<ReferenceRate>, sqlx::Error> {
    sqlx::query_as!(
        ReferenceRate,
        r#"SELECT currency, usd_per_unit, updated_at AS "updated_at: DateTime<Utc>", updated_by
           FROM reference_rate ORDER BY currency"#
    )
    .fetch_all(pool)
    .await
}

/// Sets `currency`'s reference rate (USD per unit), audited with the rate it replaces. USD is
/// always 1.
pub async fn set_rate(
    pool: &PgPool,
    actor: &Actor,
    currency: &str,
    usd_per_unit: Decimal,
) -> Result<(), LimitError> {
    let currency =
        Currency::from_code(currency).ok_or_else(|| LimitError::UnknownCurrency(currency.to_owned()))?;
    if currency.code() == REPORTING_CURRENCY {
        return Err(LimitError::BadRate);
    }
    if usd_per_unit <= Decimal::ZERO
        || usd_per_unit.scale() > 10
        || usd_per_unit >= Decimal::new(1_000_000, 0)
    {
        return Err(LimitError::BadRate);
    }
    let mut db = pool.begin().await?;
    let before = sqlx::query_scalar!(
        "SELECT usd_per_unit FROM reference_rate WHERE currency = $1 FOR UPDATE",
        currency.code()
    )
    .fetch_optional(&mut *db)
    .await?;
    sqlx::query!(
        "INSERT INTO reference_rate (currency, usd_per_unit, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (currency) DO UPDATE SET usd_per_unit = EXCLUDED.usd_per_unit, updated_by = EXCLUDED.updated_by,
                                              updated_at = now()",
        currency.code(),
        usd_per_unit,
        actor.username
    )
    .execute(&mut *db)
    .await?;
    let event = NewAuditEvent {
        before: before.map(|r| serde_json::json!({ "usd_per_unit": r.to_string() })),
        after: Some(serde_json::json!({ "usd_per_unit": usd_per_unit.to_string() })),
        ..actor.event(AuditAction::ReferenceRateSet, format!("reference_rate:{}", currency.code()))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn rates() -> ReferenceRates {
        ReferenceRates::from_pairs([
            ("USD", Decimal::ONE),
            ("EUR", "1.08".parse().unwrap()),
            ("JPY", "0.0067".parse().unwrap()),
        ])
    }

    fn line(account: i64, minor: i64, code: &str) -> Line {
        Line { account, amount: Money::from_minor(minor, Currency::from_code(code).unwrap()) }
    }

    #[test]
    fn the_same_minor_units_are_worth_what_their_currency_is_worth() {
        let r = rates();
        // 1,000,000 minor units: 10,000.00 USD, 10,800.00 USD of EUR, but 1,000,000 JPY is 6,700.00.
        assert_eq!(r.usd_minor(1_000_000, Currency::from_code("USD").unwrap()).unwrap(), 1_000_000);
        assert_eq!(r.usd_minor(1_000_000, Currency::from_code("EUR").unwrap()).unwrap(), 1_080_000);
        assert_eq!(r.usd_minor(1_000_000, Currency::from_code("JPY").unwrap()).unwrap(), 670_000);
        assert!(matches!(r.usd_minor(1, Currency::from_code("GBP").unwrap()), Err(LimitError::NoRate(_))));
    }

    #[test]
    fn an_fx_transfer_is_worth_its_larger_leg() {
        // 999.99 EUR paid, 99,999,000.00 USD received (the rate of 100000): the USD leg counts.
        let lines = [
            line(1, -99_999, "EUR"),
            line(2, 99_999, "EUR"),
            line(3, 9_999_900_000, "USD"),
            line(4, -9_999_900_000, "USD"),
        ];
        assert_eq!(rates().value_of(&lines).unwrap(), 9_999_900_000);
    }

    #[test]
    fn a_rate_far_from_the_reference_is_refused() {
        let r = rates();
        assert!(r.check_band("EUR", "USD", "1.0850".parse().unwrap(), 500).is_ok());
        assert!(matches!(
            r.check_band("EUR", "USD", "100000".parse().unwrap(), 500),
            Err(LimitError::RateOutsideBand { .. })
        ));
        assert!(r.check_band("EUR", "USD", "1.02".parse().unwrap(), 500).is_err(), "5.6 % under");
    }
}
