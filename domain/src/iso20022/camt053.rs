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
    /// The opening booked balance (`OPBD`, or the previous day's closing, `PRCD`, where the bank
    /// gives that instead) and the closing one (`CLBD`).
    pub opening: Balance,
    pub closing: Balance,
    pub entries: Vec<Entry>,
}

impl AccountStatement {
    /// Whether the opening balance and the booked entries make the closing balance: a statement
    /// that does not is a break of its own, whatever the ledger says.
    pub fn adds_up(&self) -> bool {
        let moved: i64 = self.entries.iter().map(|e| e.signed().minor()).sum();
        self.entries.iter().all(|e| e.amount.currency() == self.opening.amount.currency())
            && self.opening.amount.currency() == self.closing.amount.currency()
            && self.opening.amount.minor().checked_add(moved) == Some(self.closing.amount.minor())
    }
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
    /// Whether it reverses an earlier entry (a payout returned, say). Its side is the reversal's
    /// own: a returned payout is a credit.
    pub reversal: bool,
    /// The transactions it books, where the bank details them: one for a single payout, several
    /// for a batch booked as one entry.
    pub transactions: Vec<EntryTransaction>,
    pub information: Option<String>,
}

/// A transaction within an entry: its end-to-end id (a payment instruction's, for a payout) and
/// its own amount where the entry books several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryTransaction {
    pub end_to_end_id: Option<String>,
    pub amount: Option<Money>,
}

impl Entry {
    /// The entry's amount as it moves the account: credits up, debits down.
    pub fn signed(&self) -> Money {
        self.side.signed(self.amount)
    }
}

/// Reads a statement message; one that is not a `camt.053.001.08`, or whose statement lacks its
/// opening or closing booked balance (or gives one twice), or whose amounts and dates do not
/// read, is refused whole. Entries not booked (`PDNG`, `INFO`, as a code or a proprietary status)
/// are left out: they have not moved the account.
pub fn read(xml: &str) -> Result<Statements, MessageError> {
    let document: Document = read_document(xml, NAMESPACE)?;
    let message = document.message;
    let mut statements = Vec::new();
    for s in message.statements {
        let account = s.account.id.iban.or(s.account.id.other.map(|o| o.id)).unwrap_or_default();
        let (mut opening, mut previous_closing, mut closing) = (None, None, None);
        for b in &s.balances {
            let (slot, code) = match b.kind.code_or_proprietary.code.as_deref().map(str::trim) {
                Some("OPBD") => (&mut opening, "OPBD"),
                Some("PRCD") => (&mut previous_closing, "PRCD"),
                Some("CLBD") => (&mut closing, "CLBD"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(MessageError::Code {
                    field: "Bal/Tp",
                    value: format!("statement {} gives its {code} balance twice", s.id.trim()),
                    allowed: "one of each",
                });
            }
            let amount = b.amount.money("Bal/Amt")?;
            let amount = side("Bal/CdtDbtInd", &b.side)?.signed(amount);
            let on = b.date.dt.as_deref().or(b.date.dt_tm.as_deref()).unwrap_or_default();
            *slot = Some(Balance { amount, date: date("Bal/Dt", on)? });
        }
        let missing = |code: &str| MessageError::Code {
            field: "Bal/Tp",
            value: format!("statement {} has no {code} balance", s.id.trim()),
            allowed: "OPBD and CLBD",
        };
        let opening = opening.or(previous_closing);
        let mut entries = Vec::new();
        for e in s.entries {
            let status = e.status.code.as_deref().or(e.status.proprietary.as_deref()).map(str::trim);
            if status != Some("BOOK") {
                continue;
            }
            let on =
                e.booked.as_ref().and_then(|b| b.dt.as_deref().or(b.dt_tm.as_deref())).unwrap_or_default();
            entries.push(Entry {
                reference: e.reference.map(|r| r.trim().to_owned()),
                amount: e.amount.money("Ntry/Amt")?,
                side: side("Ntry/CdtDbtInd", &e.side)?,
                booked: date("Ntry/BookgDt", on)?,
                reversal: e.reversal.as_deref().map(str::trim) == Some("true"),
                transactions: (e.details.iter().flat_map(|d| &d.transactions))
                    .map(|t| {
                        Ok(EntryTransaction {
                            end_to_end_id: (t.references.as_ref().and_then(|r| r.end_to_end_id.as_deref()))
                                .map(|id| id.trim().to_owned())
                                .filter(|id| !id.is_empty() && id != "NOTPROVIDED"),
                            amount: t.amount.as_ref().map(|a| a.money("TxDtls/Amt")).transpose()?,
                        })
                    })
                    .collect::<Result<_, MessageError>>()?,
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
    #[serde(rename = "Prtry")]
    proprietary: Option<String>,
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
    #[serde(rename = "RvslInd")]
    reversal: Option<String>,
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
    transactions: Vec<XmlTransaction>,
}

#[derive(Deserialize)]
struct XmlTransaction {
    #[serde(rename = "Refs")]
    references: Option<References>,
    #[serde(rename = "Amt")]
    amount: Option<XmlAmount>,
}

#[derive(Deserialize)]
struct References {
    #[serde(rename = "EndToEndId")]
    end_to_end_id: Option<String>,
}
