//! `pain.002.001.10`, customer payment status report: what the bank's payment hub says became of
//! the payments of a `pain.001` it received, by their end-to-end ids.

use serde::Deserialize;

use super::{read_document, MessageError};

pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10";

/// What a report says. A status may be given for the whole message, for a payment block, or for
/// each payment: a payment without its own takes its block's, then the message's. A message or a
/// block reported without payments (rejected whole, say) applies to every payment it held: the
/// reader of a report must apply `group_status` and `blocks` to the payments not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub message_id: String,
    /// The `pain.001` it reports on.
    pub original_message_id: String,
    /// The whole message's status, when the hub gave one.
    pub group_status: Option<Status>,
    pub group_reasons: Vec<Reason>,
    /// Each payment block the report names, by its `PmtInfId`, with its status if given.
    pub blocks: Vec<BlockStatus>,
    pub payments: Vec<PaymentStatus>,
}

/// A payment block's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockStatus {
    pub block_id: String,
    pub status: Option<Status>,
    pub reasons: Vec<Reason>,
}

/// One payment's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStatus {
    pub end_to_end_id: String,
    /// The payment block it is reported under (`OrgnlPmtInfId`).
    pub block_id: String,
    pub status: Status,
    pub reasons: Vec<Reason>,
}

/// A reason: an ISO external code (`AC04`: account closed) and any words the hub added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: Option<String>,
    pub information: Vec<String>,
}

/// ISO 20022's external payment status codes, in three kinds for what the ledger does with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    /// Received or accepted, not yet settled (`RCVD`, `ACTC`, `ACCP`, `ACWC`, `ACFC`, `ACSP`,
    /// `ACWP`, `PDNG`, `PART` for a group): the payment stays in transit. `ACSP` (settlement in
    /// process) is not settled: a payment can still be rejected after it.
    Pending,
    /// Settled, on the debtor's account or at the creditor's bank (`ACSC`, `ACCC`): the amount
    /// leaves in-transit for its final account.
    Settled,
    /// Rejected (`RJCT`, `CANC`): the posting is reversed and the work item reopened.
    Rejected,
}

impl Status {
    pub fn from_code(code: &str) -> Option<Status> {
        match code {
            "RCVD" | "ACTC" | "ACCP" | "ACWC" | "ACFC" | "ACSP" | "ACWP" | "PDNG" | "PART" => {
                Some(Status::Pending)
            }
            "ACSC" | "ACCC" => Some(Status::Settled),
            "RJCT" | "CANC" => Some(Status::Rejected),
            _ => None,
        }
    }
}

const CODES: &str = "RCVD, ACTC, ACCP, ACWC, ACFC, PDNG, PART, ACSC, ACCC, ACSP, ACWP, RJCT, CANC";

/// Reads a report; anything that is not a `pain.002.001.10` with an id, the original message's id
/// and known status codes is refused whole.
pub fn read(xml: &str) -> Result<StatusReport, MessageError> {
    let document: Document = read_document(xml, NAMESPACE)?;
    let report = document.report;
    let status = |field, code: &str| {
        Status::from_code(code.trim()).ok_or_else(|| MessageError::Code {
            field,
            value: code.to_owned(),
            allowed: CODES,
        })
    };
    let group = report.original_group;
    let mut payments = Vec::new();
    let mut blocks = Vec::new();
    for instruction in report.original_payments {
        blocks.push(BlockStatus {
            block_id: instruction.block_id.trim().to_owned(),
            status: instruction.status.as_deref().map(|code| status("PmtInfSts", code)).transpose()?,
            reasons: reasons(instruction.reasons),
        });
        for t in instruction.transactions {
            let code = t.status.as_deref().or(instruction.status.as_deref()).or(group.status.as_deref());
            let Some(code) = code else {
                return Err(MessageError::Code { field: "TxSts", value: String::new(), allowed: CODES });
            };
            payments.push(PaymentStatus {
                end_to_end_id: t.end_to_end_id.trim().to_owned(),
                block_id: instruction.block_id.trim().to_owned(),
                status: status("TxSts", code)?,
                reasons: reasons(t.reasons),
            });
        }
    }
    Ok(StatusReport {
        message_id: report.header.message_id.trim().to_owned(),
        original_message_id: group.message_id.trim().to_owned(),
        group_status: group.status.as_deref().map(|code| status("GrpSts", code)).transpose()?,
        group_reasons: reasons(group.reasons),
        blocks,
        payments,
    })
}

fn reasons(found: Vec<XmlReason>) -> Vec<Reason> {
    found
        .into_iter()
        .map(|r| Reason {
            code: r.reason.and_then(|r| r.code).map(|c| c.trim().to_owned()),
            information: r.information.into_iter().map(|i| i.trim().to_owned()).collect(),
        })
        .collect()
}

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "CstmrPmtStsRpt")]
    report: Report,
}

#[derive(Deserialize)]
struct Report {
    #[serde(rename = "GrpHdr")]
    header: Header,
    #[serde(rename = "OrgnlGrpInfAndSts")]
    original_group: OriginalGroup,
    #[serde(rename = "OrgnlPmtInfAndSts", default)]
    original_payments: Vec<OriginalPayment>,
}

#[derive(Deserialize)]
struct Header {
    #[serde(rename = "MsgId")]
    message_id: String,
}

#[derive(Deserialize)]
struct OriginalGroup {
    #[serde(rename = "OrgnlMsgId")]
    message_id: String,
    #[serde(rename = "GrpSts")]
    status: Option<String>,
    #[serde(rename = "StsRsnInf", default)]
    reasons: Vec<XmlReason>,
}

#[derive(Deserialize)]
struct OriginalPayment {
    #[serde(rename = "OrgnlPmtInfId")]
    block_id: String,
    #[serde(rename = "PmtInfSts")]
    status: Option<String>,
    #[serde(rename = "StsRsnInf", default)]
    reasons: Vec<XmlReason>,
    #[serde(rename = "TxInfAndSts", default)]
    transactions: Vec<Transaction>,
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(rename = "OrgnlEndToEndId")]
    end_to_end_id: String,
    #[serde(rename = "TxSts")]
    status: Option<String>,
    #[serde(rename = "StsRsnInf", default)]
    reasons: Vec<XmlReason>,
}

#[derive(Deserialize)]
struct XmlReason {
    #[serde(rename = "Rsn")]
    reason: Option<ReasonChoice>,
    #[serde(rename = "AddtlInf", default)]
    information: Vec<String>,
}

#[derive(Deserialize)]
struct ReasonChoice {
    #[serde(rename = "Cd")]
    code: Option<String>,
}
