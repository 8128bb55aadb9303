//! `pain.001.001.09`, customer credit transfer initiation: the payment instructions SettleDesk
//! sends the bank's payment hub. One message per release; one payment block per debtor account
//! and execution date; one payment per action, whose `EndToEndId` comes back in the hub's status
//! reports and on the bank's statement.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use rust_decimal::Decimal;

use super::fits;
use crate::money::Money;

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";

/// A message: its id (unique per initiating party, at most 35 characters), when it was made, who
/// sends it, and its payment blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiation {
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    pub initiating_party: String,
    pub blocks: Vec<PaymentBlock>,
}

/// Payments from one debtor account, to be executed on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentBlock {
    pub id: String,
    pub execution_date: NaiveDate,
    pub debtor: Party,
    pub payments: Vec<Payment>,
}

/// One credit transfer: its end-to-end id (at most 35 characters), amount, creditor and what the
/// creditor is told (at most 140 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub end_to_end_id: String,
    pub amount: Money,
    pub creditor: Party,
    pub remittance: String,
}

/// An account holder: name, account and the bank that keeps the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub account: Account,
    pub agent: Agent,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Account {
    Iban(String),
    /// A domestic account number (in the US, with the bank's ABA routing number as its agent).
    Other(String),
}

/// The account's bank: by BIC, by ABA routing number, or both.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Agent {
    pub bic: Option<String>,
    pub aba: Option<String>,
}

/// What makes a message one the hub would refuse, found before it is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InitiationError {
    #[error("{field} must be 1 to {max} characters")]
    Length { field: &'static str, max: usize },
    #[error("{field}: '{value}' is not a valid {what}")]
    Identifier { field: &'static str, value: String, what: &'static str },
    #[error("{field} holds a control character")]
    Control { field: &'static str },
    #[error("a message needs at least one payment, and each block at least one")]
    Empty,
    #[error("a payment's amount must be more than zero")]
    NotPositive,
    #[error("end-to-end id '{0}' appears twice in the message")]
    Repeated(String),
}

impl Initiation {
    /// Checks what the schema and the hub require of every field.
    pub fn check(&self) -> Result<(), InitiationError> {
        text("message id", &self.message_id, 35)?;
        text("initiating party", &self.initiating_party, 140)?;
        if self.blocks.is_empty() || self.blocks.iter().any(|b| b.payments.is_empty()) {
            return Err(InitiationError::Empty);
        }
        let mut seen = std::collections::HashSet::new();
        for block in &self.blocks {
            text("payment block id", &block.id, 35)?;
            block.debtor.check("debtor")?;
            for payment in &block.payments {
                payment.check()?;
                if !seen.insert(payment.end_to_end_id.as_str()) {
                    return Err(InitiationError::Repeated(payment.end_to_end_id.clone()));
                }
            }
        }
        Ok(())
    }

    /// The message as XML, after [`Initiation::check`].
    pub fn to_xml(&self) -> Result<Vec<u8>, InitiationError> {
        self.check()?;
        let mut out = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
        out.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let mut document = BytesStart::new("Document");
        document.push_attribute(("xmlns", NAMESPACE));
        out.event(Event::Start(document));
        out.open("CstmrCdtTrfInitn");
        out.open("GrpHdr");
        out.text("MsgId", &self.message_id);
        out.text("CreDtTm", &self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true));
        let all: Vec<&Payment> = self.blocks.iter().flat_map(|b| &b.payments).collect();
        out.text("NbOfTxs", &all.len().to_string());
        out.text("CtrlSum", &control_sum(all.iter().copied()));
        out.open("InitgPty");
        out.text("Nm", &self.initiating_party);
        out.close("InitgPty");
        out.close("GrpHdr");
        for block in &self.blocks {
            out.open("PmtInf");
            out.text("PmtInfId", &block.id);
            out.text("PmtMtd", "TRF");
            out.text("NbOfTxs", &block.payments.len().to_string());
            out.text("CtrlSum", &control_sum(block.payments.iter()));
            out.open("ReqdExctnDt");
            out.text("Dt", &block.execution_date.to_string());
            out.close("ReqdExctnDt");
            out.party(["Dbtr", "DbtrAcct", "DbtrAgt"], &block.debtor);
            // The bank bears every charge: a network's settlement must arrive whole.
            out.text("ChrgBr", "DEBT");
            for payment in &block.payments {
                out.open("CdtTrfTxInf");
                out.open("PmtId");
                out.text("EndToEndId", &payment.end_to_end_id);
                out.close("PmtId");
                out.open("Amt");
                let mut amount = BytesStart::new("InstdAmt");
                amount.push_attribute(("Ccy", payment.amount.currency().code()));
                out.event(Event::Start(amount));
                out.event(Event::Text(BytesText::new(payment.amount.plain().as_str())));
                out.event(Event::End(BytesEnd::new("InstdAmt")));
                out.close("Amt");
                out.party(["Cdtr", "CdtrAcct", "CdtrAgt"], &payment.creditor);
                out.open("RmtInf");
                out.text("Ustrd", &payment.remittance);
                out.close("RmtInf");
                out.close("CdtTrfTxInf");
            }
            out.close("PmtInf");
        }
        out.close("CstmrCdtTrfInitn");
        out.close("Document");
        Ok(out.0.into_inner())
    }
}

impl Payment {
    /// What the schema and the hub require of one payment, whatever message it travels in.
    pub fn check(&self) -> Result<(), InitiationError> {
        text("end-to-end id", &self.end_to_end_id, 35)?;
        text("remittance information", &self.remittance, 140)?;
        if self.amount.minor() <= 0 {
            return Err(InitiationError::NotPositive);
        }
        self.creditor.check("creditor")
    }
}

/// A text field: 1 to `max` characters, none of them a control character (XML 1.0 cannot carry
/// most, and a hub's character set carries none).
fn text(field: &'static str, value: &str, max: usize) -> Result<(), InitiationError> {
    if !fits(value, max) {
        return Err(InitiationError::Length { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(InitiationError::Control { field });
    }
    Ok(())
}

/// An identifier as an error may show it: its last four characters (account numbers stay out of
/// logs).
fn masked(value: &str) -> String {
    let tail: Vec<char> = value.chars().rev().take(4).collect();
    format!("…{}", tail.into_iter().rev().collect::<String>())
}

/// The sum of the payments' amounts, as the schema's `DecimalNumber`.
fn control_sum<'a>(payments: impl Iterator<Item = &'a Payment>) -> String {
    let sum: Decimal = payments.map(|p| p.amount.to_decimal()).sum();
    sum.to_string()
}

impl Party {
    /// [`Initiation::check`]'s checks of the debtor, before any message is built.
    pub fn check_as_debtor(&self) -> Result<(), InitiationError> {
        self.check("debtor")
    }

    fn check(&self, role: &'static str) -> Result<(), InitiationError> {
        text(role, &self.name, 140)?;
        match &self.account {
            Account::Iban(iban) if !is_iban(iban) => {
                return Err(InitiationError::Identifier { field: role, value: masked(iban), what: "IBAN" })
            }
            Account::Other(number) if !fits(number, 34) => {
                return Err(InitiationError::Length { field: "account number", max: 34 })
            }
            _ => {}
        }
        if self.agent.bic.is_none() && self.agent.aba.is_none() {
            return Err(InitiationError::Identifier {
                field: role,
                value: String::new(),
                what: "BIC or ABA routing number",
            });
        }
        if let Some(bic) = self.agent.bic.as_deref().filter(|bic| !is_bic(bic)) {
            return Err(InitiationError::Identifier { field: role, value: masked(bic), what: "BIC" });
        }
        if let Some(aba) = self.agent.aba.as_deref().filter(|aba| !is_aba(aba)) {
            return Err(InitiationError::Identifier {
                field: role,
                value: masked(aba),
                what: "ABA routing number",
            });
        }
        Ok(())
    }
}

/// ISO 13616: country, check digits, then up to 30 letters and digits, with the check digits right
/// (mod 97 of the rearranged number is 1).
pub fn is_iban(iban: &str) -> bool {
    let b = iban.as_bytes();
    let shaped = (5..=34).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..4].iter().all(u8::is_ascii_digit)
        && b[4..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !shaped {
        return false;
    }
    let remainder = b[4..].iter().chain(&b[..4]).fold(0u32, |r, &c| {
        let value = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
        if value >= 10 {
            (r * 100 + value) % 97
        } else {
            (r * 10 + value) % 97
        }
    });
    remainder == 1
}

/// ISO 9362: four letters or digits (the institution), two letters (the country), two letters or
/// digits (the location), and an optional three for the branch.
pub fn is_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    let alnum = |c: &u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    (b.len() == 8 || b.len() == 11)
        && b[..4].iter().all(alnum)
        && b[4..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(alnum)
}

/// An ABA routing number: nine digits whose weighted sum (3, 7, 1, repeated) is a multiple of 10.
pub fn is_aba(aba: &str) -> bool {
    let b = aba.as_bytes();
    b.len() == 9
        && b.iter().all(u8::is_ascii_digit)
        && b.iter().zip([3, 7, 1].iter().cycle()).map(|(d, w)| u32::from(d - b'0') * w).sum::<u32>() % 10 == 0
}

/// quick-xml's writer, whose writes into a `Vec` cannot fail.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn event(&mut self, event: Event<'_>) {
        self.0.write_event(event).expect("writing into memory");
    }

    fn open(&mut self, name: &str) {
        self.event(Event::Start(BytesStart::new(name)));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, the text escaped.
    fn text(&mut self, name: &str, text: &str) {
        self.open(name);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// A party, its account and its agent, under the names the schema gives them, in its order:
    /// the debtor, its account, its agent; but the creditor's agent, the creditor, its account.
    fn party(&mut self, [party, account, agent]: [&str; 3], p: &Party) {
        let creditor = party == "Cdtr";
        if creditor {
            self.agent(agent, &p.agent);
        }
        self.open(party);
        self.text("Nm", &p.name);
        self.close(party);
        self.open(account);
        self.open("Id");
        match &p.account {
            Account::Iban(iban) => self.text("IBAN", iban),
            Account::Other(number) => {
                self.open("Othr");
                self.text("Id", number);
                self.close("Othr");
            }
        }
        self.close("Id");
        self.close(account);
        if !creditor {
            self.agent(agent, &p.agent);
        }
    }

    fn agent(&mut self, name: &str, agent: &Agent) {
        self.open(name);
        self.open("FinInstnId");
        if let Some(bic) = &agent.bic {
            self.text("BICFI", bic);
        }
        if let Some(aba) = &agent.aba {
            self.open("ClrSysMmbId");
            self.open("ClrSysId");
            self.text("Cd", "USABA");
            self.close("ClrSysId");
            self.text("MmbId", aba);
            self.close("ClrSysMmbId");
        }
        self.close("FinInstnId");
        self.close(name);
    }
}
