//! ISO 20022 messages between SettleDesk and the bank's payment hub: credit transfer initiations
//! out ([`pain001`], `pain.001.001.09`), payment status reports back ([`pain002`],
//! `pain.002.001.10`), and the end-of-day statements of the bank's own accounts ([`camt053`],
//! `camt.053.001.08`).
//!
//! Messages are read with serde over quick-xml into the few elements we use (anything else in a
//! message is left alone, as the standard allows), and refused whole when the root names another
//! message or version, an amount is not one, or a required element is missing.

pub mod camt053;
pub mod pain001;
pub mod pain002;

use serde::Deserialize;

use crate::money::{Currency, Money};

/// Why a message could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("not a {expected} message: its namespace is '{found}'")]
    WrongMessage { expected: &'static str, found: String },
    #[error("the XML cannot be read: {0}")]
    Xml(String),
    #[error("{field}: '{value}' is not an amount in {currency}")]
    Amount { field: &'static str, value: String, currency: String },
    #[error("{field}: '{value}' is not a currency")]
    Currency { field: &'static str, value: String },
    #[error("{field}: '{value}' is not a date")]
    Date { field: &'static str, value: String },
    #[error("{field}: '{value}' is not one of {allowed}")]
    Code { field: &'static str, value: String, allowed: &'static str },
}

/// An amount as the messages carry it: `<Amt Ccy="USD">100.00</Amt>`.
#[derive(Debug, Deserialize)]
struct XmlAmount {
    #[serde(rename = "@Ccy")]
    currency: String,
    #[serde(rename = "$text")]
    value: String,
}

impl XmlAmount {
    fn money(&self, field: &'static str) -> Result<Money, MessageError> {
        let currency = Currency::from_code(self.currency.trim())
            .ok_or_else(|| MessageError::Currency { field, value: self.currency.clone() })?;
        Money::parse_plain(&self.value, currency).map_err(|_| MessageError::Amount {
            field,
            value: self.value.clone(),
            currency: self.currency.clone(),
        })
    }
}

/// The message's `Document` root, checked to be `namespace`'s (from its start tag alone) before
/// its body is read.
fn read_document<T: serde::de::DeserializeOwned>(
    xml: &str,
    namespace: &'static str,
) -> Result<T, MessageError> {
    let unreadable = |e: &dyn std::fmt::Display| MessageError::Xml(e.to_string());
    let mut reader = quick_xml::Reader::from_str(xml);
    let found = loop {
        match reader.read_event().map_err(|e| unreadable(&e))? {
            quick_xml::events::Event::Start(root) | quick_xml::events::Event::Empty(root) => {
                let xmlns = root.try_get_attribute("xmlns").map_err(|e| unreadable(&e))?;
                break xmlns.map(|a| String::from_utf8_lossy(&a.value).into_owned()).unwrap_or_default();
            }
            quick_xml::events::Event::Eof => return Err(MessageError::Xml("no root element".into())),
            _ => {}
        }
    };
    if found != namespace {
        let expected = namespace.rsplit(':').next().unwrap_or(namespace);
        return Err(MessageError::WrongMessage { expected, found });
    }
    quick_xml::de::from_str(xml).map_err(|e| unreadable(&e))
}

fn date(field: &'static str, value: &str) -> Result<chrono::NaiveDate, MessageError> {
    // ISODate; a statement may give an ISODateTime instead (the choice `DtTm`), read as its date.
    let text = value.trim();
    let day = text.get(..10).unwrap_or(text);
    day.parse().map_err(|_| MessageError::Date { field, value: value.to_owned() })
}

/// Credit or debit, as `CdtDbtInd` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum Side {
    Credit,
    Debit,
}

impl Side {
    /// `amount` as it moves the account: credits up, debits down.
    pub fn signed(self, amount: Money) -> Money {
        match self {
            Side::Credit => amount,
            Side::Debit => Money::from_minor(-amount.minor(), amount.currency()),
        }
    }
}

fn side(field: &'static str, value: &str) -> Result<Side, MessageError> {
    match value.trim() {
        "CRDT" => Ok(Side::Credit),
        "DBIT" => Ok(Side::Debit),
        other => Err(MessageError::Code { field, value: other.to_owned(), allowed: "CRDT, DBIT" }),
    }
}

/// Whether ISO 20022's `Max35Text` (and the like) holds `text`: 1 to `max` characters.
fn fits(text: &str, max: usize) -> bool {
    let n = text.chars().count();
    (1..=max).contains(&n)
}

#[cfg(test)]
pub(crate) mod tests;
