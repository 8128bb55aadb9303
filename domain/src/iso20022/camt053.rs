//! `camt.053.001.08`, bank-to-customer statement: the bank's end-of-day statement of one of its
//! own accounts (the settlement accounts, payments in transit), whose entries and balances are
//! checked against the ledger.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{date, read_document, side, MessageError, Side, XmlAmount};
use crate::money::Money;

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";

/// A message: one statement per account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statements {
    pub message_id: String,
    pub statements: Vec<AccountStatement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatement {
    pub id: String,
    /// The account's IBAN or other number, as the bank names it.
    pub account: String,
    /// The opening and closing booked balances (`OPBD`, `CLBD`).
    pub opening: Balance,
    pub closing: Balance,
    pub entries: Vec<Entry>,
}

/// A balance: its amount, signed (a debit balance is negative), on its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub amount: Money,
    pub date: NaiveDate,
}

/// One booked entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub reference: Option<String>,
    pub amount: Money,
    pub side: Side,
    pub booked: NaiveDate,
    /// The end-to-end ids of the transactions it books (a payment instruction's, for a payout).
    pub end_to_end_ids: Vec<String>,
    pub information: Option<String>,
}

impl Entry {
    /// The entry's amount as it moves the account: credits up, debits down.
    pub fn signed(&self) -> Money {
        match self.side {
            Side::Credit => self.amount,
            Side::Debit => Money::from_minor(-self.amount.minor(), self.amount.currency()),
        }
    }
}

/// Reads a statement message; one that is not a `camt.053.001.08`, or whose statement lacks its
/// opening or closing booked balance, or whose amounts and dates do not read, is refused whole.
/// Entries not booked (`PDNG`, `INFO`) are left out: they have not moved the account.
pub fn read(xml: &str) -> Result<Statements, MessageError> {
    let document: Document = read_document(xml, NAMESPACE)?;
    let message = document.message;
    let mut statements = Vec::new();
    for s in message.statements {
        let account = s.account.id.iban.or(s.account.id.other.map(|o| o.id)).unwrap_or_default();
        let mut opening = None;
        let mut closing = None;
        for b in &s.balances {
            let slot = match b.kind.code_or_proprietary.code.as_deref().map(str::trim) {
                Some("OPBD") => &mut opening,
                Some("CLBD") => &mut closing,
                _ => continue,
            };
            let amount = b.amount.money("Bal/Amt")?;
            let amount = match side("Bal/CdtDbtInd", &b.side)? {
                Side::Credit => amount,
                Side::Debit => Money::from_minor(-amount.minor(), amount.currency()),
            };
            let on = b.date.dt.as_deref().or(b.date.dt_tm.as_deref()).unwrap_or_default();
            *slot = Some(Balance { amount, date: date("Bal/Dt", on)? });
        }
        let missing = |code: &str| MessageError::Code {
            field: "Bal/Tp",
            value: format!("statement {} has no {code} balance", s.id.trim()),
            allowed: "OPBD and CLBD",
        };
        let mut entries = Vec::new();
        for e in s.entries {
            if e.status.code.as_deref().map(str::trim) != Some("BOOK") {
                continue;
            }
            let on =
                e.booked.as_ref().and_then(|b| b.dt.as_deref().or(b.dt_tm.as_deref())).unwrap_or_default();
            entries.push(Entry {
                reference: e.reference.map(|r| r.trim().to_owned()),
                amount: e.amount.money("Ntry/Amt")?,
                side: side("Ntry/CdtDbtInd", &e.side)?,
                booked: date("Ntry/BookgDt", on)?,
                end_to_end_ids: (e.details.iter().flat_map(|d| &d.transactions))
                    .filter_map(|t| t.references.as_ref()?.end_to_end_id.as_deref())
                    .map(|id| id.trim().to_owned())
                    .filter(|id| !id.is_empty() && id != "NOTPROVIDED")
                    .collect(),
                information: e.information.map(|i| i.trim().to_owned()),
            });
        }
        statements.push(AccountStatement {
            opening: opening.ok_or_else(|| missing("OPBD"))?,
            closing: closing.ok_or_else(|| missing("CLBD"))?,
            id: s.id.trim().to_owned(),
            account: account.trim().to_owned(),
            entries,
        });
    }
    Ok(Statements { message_id: message.header.message_id.trim().to_owned(), statements })
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "BkToCstmrStmt")]
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "GrpHdr")]
    header: Header,
    #[serde(rename = "Stmt", default)]
    statements: Vec<XmlStatement>,
}

#[derive(Deserialize)]
struct Header {
    #[serde(rename = "MsgId")]
    message_id: String,
}

#[derive(Deserialize)]
struct XmlStatement {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Acct")]
    account: XmlAccount,
    #[serde(rename = "Bal", default)]
    balances: Vec<XmlBalance>,
    #[serde(rename = "Ntry", default)]
    entries: Vec<XmlEntry>,
}

#[derive(Deserialize)]
struct XmlAccount {
    #[serde(rename = "Id")]
    id: AccountId,
}

#[derive(Deserialize)]
struct AccountId {
    #[serde(rename = "IBAN")]
    iban: Option<String>,
    #[serde(rename = "Othr")]
    other: Option<OtherId>,
}

#[derive(Deserialize)]
struct OtherId {
    #[serde(rename = "Id")]
    id: String,
}

#[derive(Deserialize)]
struct XmlBalance {
    #[serde(rename = "Tp")]
    kind: BalanceKind,
    #[serde(rename = "Amt")]
    amount: XmlAmount,
    #[serde(rename = "CdtDbtInd")]
    side: String,
    #[serde(rename = "Dt")]
    date: DateChoice,
}

#[derive(Deserialize)]
struct BalanceKind {
    #[serde(rename = "CdOrPrtry")]
    code_or_proprietary: CodeChoice,
}

#[derive(Deserialize)]
struct CodeChoice {
    #[serde(rename = "Cd")]
    code: Option<String>,
}

#[derive(Deserialize)]
struct DateChoice {
    #[serde(rename = "Dt")]
    dt: Option<String>,
    #[serde(rename = "DtTm")]
    dt_tm: Option<String>,
}

#[derive(Deserialize)]
struct XmlEntry {
    #[serde(rename = "NtryRef")]
    reference: Option<String>,
    #[serde(rename = "Amt")]
    amount: XmlAmount,
    #[serde(rename = "CdtDbtInd")]
    side: String,
    #[serde(rename = "Sts")]
    status: CodeChoice,
    #[serde(rename = "BookgDt")]
    booked: Option<DateChoice>,
    #[serde(rename = "NtryDtls", default)]
    details: Vec<EntryDetails>,
    #[serde(rename = "AddtlNtryInf")]
    information: Option<String>,
}

#[derive(Deserialize)]
struct EntryDetails {
    #[serde(rename = "TxDtls", default)]
    transactions: Vec<EntryTransaction>,
}

#[derive(Deserialize)]
struct EntryTransaction {
    #[serde(rename = "Refs")]
    references: Option<References>,
}

#[derive(Deserialize)]
struct References {
    #[serde(rename = "EndToEndId")]
    end_to_end_id: Option<String>,
}
