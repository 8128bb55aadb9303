//! Exact money: an amount in minor units of an ISO 4217 currency, never a float.
//!
//! Card files carry amounts as whole minor units (cents, yen, fils) with the currency's numeric
//! code; people and the ledger read decimals. [`Money`] converts between the two and refuses a
//! decimal with more places than its currency has (1.005 USD is an error, not a rounding).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// ISO 4217's code for "no currency": what an item whose amount could not be read is stored with
/// (amount 0), and shown as no amount at all.
pub const NO_CURRENCY: &str = "XXX";

/// An ISO 4217 currency: alphabetic code, numeric code and the number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    numeric: u16,
    exponent: u8,
}

/// The currencies SettleDesk settles in. Add a line to support another.
const CURRENCIES: &[Currency] = &[
    Currency { code: "AUD", numeric: 36, exponent: 2 },
    Currency { code: "BHD", numeric: 48, exponent: 3 },
    Currency { code: "CAD", numeric: 124, exponent: 2 },
    Currency { code: "CHF", numeric: 756, exponent: 2 },
    Currency { code: "CNY", numeric: 156, exponent: 2 },
    Currency { code: "EUR", numeric: 978, exponent: 2 },
    Currency { code: "GBP", numeric: 826, exponent: 2 },
    Currency { code: "HKD", numeric: 344, exponent: 2 },
    Currency { code: "INR", numeric: 356, exponent: 2 },
    Currency { code: "JPY", numeric: 392, exponent: 0 },
    Currency { code: "KWD", numeric: 414, exponent: 3 },
    Currency { code: "MXN", numeric: 484, exponent: 2 },
    Currency { code: "SGD", numeric: 702, exponent: 2 },
    Currency { code: "USD", numeric: 840, exponent: 2 },
];

impl Currency {
    pub const USD: Currency = Currency { code: "USD", numeric: 840, exponent: 2 };

    /// Every currency SettleDesk settles in, by code.
    pub fn all() -> &'static [Currency] {
        CURRENCIES
    }

    /// By alphabetic code, e.g. `USD`.
    pub fn from_code(code: &str) -> Option<Currency> {
        CURRENCIES.iter().copied().find(|c| c.code == code)
    }

    /// By numeric code, e.g. 840 (as card files carry it).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        CURRENCIES.iter().copied().find(|c| c.numeric == numeric)
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    pub fn numeric(self) -> u16 {
        self.numeric
    }

    /// A sum of minor units of this currency as a decimal (sums of many amounts can exceed i64).
    pub fn decimal(self, minor: i128) -> Decimal {
        Decimal::from_i128_with_scale(minor, u32::from(self.exponent))
    }

    /// Digits after the decimal point (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(self) -> u8 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency '{code}'")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{amount} has more decimal places than {currency} allows ({places})")]
    TooPrecise { amount: Decimal, currency: Currency, places: u8 },
    #[error("{amount} {currency} is too large")]
    OutOfRange { amount: Decimal, currency: Currency },
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("'{0}' is not an amount: write digits with at most one decimal point, like 1250.50")]
    NotPlain(String),
}

/// An exact amount of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for USD); negative for credits and reversals.
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// From a decimal amount, refusing more places than the currency has.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let places = u32::from(currency.exponent);
        let normalized = amount.normalize();
        if normalized.scale() > places {
            return Err(MoneyError::TooPrecise { amount, currency, places: currency.exponent });
        }
        let minor = normalized
            .checked_mul(Decimal::from(10i64.pow(places)))
            .and_then(|m| i64::try_from(m).ok())
            .ok_or(MoneyError::OutOfRange { amount, currency })?;
        Ok(Money { minor, currency })
    }

    /// A person's typed amount: digits with at most one decimal point (`1250.50`), nothing else.
    /// Signs, exponents (`1e9`), grouping and spaces are refused rather than guessed at.
    pub fn parse_plain(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = text.trim();
        let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        let plain = !whole.is_empty()
            && whole.len() <= 15
            && digits(whole)
            && digits(fraction)
            && (fraction.len() <= 10)
            && !(trimmed.ends_with('.'));
        if !plain {
            return Err(MoneyError::NotPlain(text.chars().take(40).collect()));
        }
        let amount: Decimal =
            trimmed.parse().map_err(|_| MoneyError::NotPlain(text.chars().take(40).collect()))?;
        Money::from_decimal(amount, currency)
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, u32::from(self.currency.exponent))
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::OutOfRange { amount: self.to_decimal(), currency: self.currency })?;
        Ok(Money { minor, currency: self.currency })
    }
}

impl Money {
    /// The amount as a plain decimal in its currency's scale (`1234.50`, `-0.05`, `12000`): what
    /// `to_decimal().to_string()` gives, written without allocating (reports write one per field
    /// of millions of rows).
    pub fn plain(self) -> PlainAmount {
        let mut text = PlainAmount { bytes: [0; PlainAmount::CAPACITY], start: PlainAmount::CAPACITY };
        let mut push = |byte: u8| {
            text.start -= 1;
            text.bytes[text.start] = byte;
        };
        let mut digits = self.minor.unsigned_abs();
        let scale = usize::from(self.currency.exponent);
        let mut written = 0;
        // At least one digit before the point, and every place of the scale after it.
        while digits > 0 || written <= scale {
            if written == scale && scale > 0 {
                push(b'.');
            }
            push(b'0' + (digits % 10) as u8);
            digits /= 10;
            written += 1;
        }
        if self.minor < 0 {
            push(b'-');
        }
        text
    }

    /// How people read it: digits grouped in thousands, the currency's own number of decimals, and
    /// its code (`1,234.50 USD`, `12,000 JPY`, `-3.125 BHD`).
    pub fn grouped(self) -> String {
        let text = format!("{:.*}", usize::from(self.currency.exponent), self.to_decimal().abs());
        let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
        let mut grouped = String::with_capacity(text.len() + whole.len() / 3 + 6);
        if self.minor < 0 {
            grouped.push('-');
        }
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        if let Some(fraction) = fraction {
            grouped.push('.');
            grouped.push_str(fraction);
        }
        grouped.push(' ');
        grouped.push_str(self.currency.code);
        grouped
    }
}

/// A stored amount (minor units and a currency code) as people read it: [`Money::grouped`], or the
/// raw figures when the code is not a currency SettleDesk knows.
pub fn grouped_minor(minor: i64, currency: &str) -> String {
    if currency == NO_CURRENCY {
        return "–".to_owned();
    }
    Currency::from_code(currency)
        .map(|c| Money::from_minor(minor, c).grouped())
        .unwrap_or_else(|| format!("{minor} {currency}"))
}

/// A decimal total (as a report manifest keeps it) as people read it: [`Money::grouped`], or the
/// raw figures when the code is not a known currency or the total has more decimals than it.
pub fn grouped_decimal(amount: Decimal, currency: &str) -> String {
    Currency::from_code(currency)
        .and_then(|c| Money::from_decimal(amount, c).ok())
        .map(Money::grouped)
        .unwrap_or_else(|| format!("{amount} {currency}"))
}

/// [`Money::plain`]'s text, on the stack.
pub struct PlainAmount {
    bytes: [u8; PlainAmount::CAPACITY],
    start: usize,
}

impl PlainAmount {
    /// A sign, the 19 digits of an i64 and a point.
    const CAPACITY: usize = 21;

    pub fn as_str(&self) -> &str {
        // Only ASCII digits, a point and a sign are ever written.
        std::str::from_utf8(&self.bytes[self.start..]).expect("ASCII")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_typed_amount_is_plain_digits_or_refused() {
        let usd = Currency::from_code("USD").unwrap();
        assert_eq!(Money::parse_plain(" 1250.5 ", usd).unwrap().minor(), 125_050);
        assert_eq!(Money::parse_plain("7", usd).unwrap().minor(), 700);
        for bad in ["1e9", "1E3", "-5", "+5", "1,000", "1 000", ".5", "5.", "", "NaN", "0x10", "1.2.3", "١٢"]
        {
            assert!(matches!(Money::parse_plain(bad, usd), Err(MoneyError::NotPlain(_))), "{bad}");
        }
        assert!(matches!(Money::parse_plain("1.005", usd), Err(MoneyError::TooPrecise { .. })));
        assert!(Money::parse_plain("9999999999999999", usd).is_err(), "16 digits");
    }

    #[test]
    fn grouped_shows_thousands_and_the_currency_scale() {
        let usd = Currency::from_code("USD").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        let bhd = Currency::from_code("BHD").unwrap();
        assert_eq!(Money::from_minor(123_450, usd).grouped(), "1,234.50 USD");
        assert_eq!(Money::from_minor(5, usd).grouped(), "0.05 USD");
        assert_eq!(Money::from_minor(12_000, jpy).grouped(), "12,000 JPY");
        assert_eq!(Money::from_minor(-3_125, bhd).grouped(), "-3.125 BHD");
        assert_eq!(Money::from_minor(-100_000_000, usd).grouped(), "-1,000,000.00 USD");
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn currency(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn currencies_by_code_and_number() {
        assert_eq!(Currency::from_numeric(840), Some(Currency::USD));
        assert_eq!(currency("JPY").exponent(), 0);
        assert_eq!(currency("KWD").exponent(), 3);
        assert_eq!(Currency::from_code("XXX"), None);
        assert_eq!(Currency::from_numeric(999), None);
    }

    #[test]
    fn decimals_become_minor_units_exactly() {
        assert_eq!(Money::from_decimal(dec("12.34"), Currency::USD).unwrap().minor(), 1234);
        assert_eq!(Money::from_decimal(dec("12.3"), Currency::USD).unwrap().minor(), 1230);
        assert_eq!(
            Money::from_decimal(dec("12.340"), Currency::USD).unwrap().minor(),
            1234,
            "trailing zeros are fine"
        );
        assert_eq!(Money::from_decimal(dec("1500"), currency("JPY")).unwrap().minor(), 1500);
        assert_eq!(Money::from_decimal(dec("1.234"), currency("KWD")).unwrap().minor(), 1234);
        assert_eq!(Money::from_decimal(dec("-0.01"), Currency::USD).unwrap().minor(), -1);
    }

    #[test]
    fn too_many_places_is_an_error_not_a_rounding() {
        let err = Money::from_decimal(dec("1.005"), Currency::USD).unwrap_err();
        assert_eq!(err.to_string(), "1.005 has more decimal places than USD allows (2)");
        assert!(Money::from_decimal(dec("10.5"), currency("JPY")).is_err());
    }

    #[test]
    fn amounts_of_different_currencies_do_not_add() {
        let usd = Money::from_minor(100, Currency::USD);
        let eur = Money::from_minor(100, currency("EUR"));
        assert_eq!(usd.checked_add(usd).unwrap().minor(), 200);
        assert!(matches!(usd.checked_add(eur), Err(MoneyError::CurrencyMismatch { .. })));
        assert!(matches!(
            Money::from_minor(i64::MAX, Currency::USD).checked_add(usd),
            Err(MoneyError::OutOfRange { .. })
        ));
    }

    #[test]
    fn display_uses_the_currency_scale() {
        assert_eq!(Money::from_minor(123456, Currency::USD).to_string(), "1234.56 USD");
        assert_eq!(Money::from_minor(5, currency("KWD")).to_string(), "0.005 KWD");
        assert_eq!(Money::from_minor(700, currency("JPY")).to_string(), "700 JPY");
    }

    proptest! {
        #[test]
        fn minor_units_survive_the_round_trip(minor in -1_000_000_000_000i64..1_000_000_000_000, i in 0usize..CURRENCIES.len()) {
            let money = Money::from_minor(minor, CURRENCIES[i]);
            prop_assert_eq!(Money::from_decimal(money.to_decimal(), money.currency()).unwrap(), money);
        }

        #[test]
        fn plain_text_is_the_decimals_text(minor in any::<i64>(), small in -2_000i64..2_000, i in 0usize..CURRENCIES.len()) {
            for minor in [minor, small] {
                let money = Money::from_minor(minor, CURRENCIES[i]);
                let plain = money.plain();
                prop_assert_eq!(plain.as_str(), money.to_decimal().to_string());
            }
        }
    }
}
