//! Money that leaves the bank (issue 21): the external counterparties a resettlement may pay out
//! to, maintained under maker-checker; the payment instructions sent to the bank's payment hub,
//! exactly once; and the hub's status reports, which settle or undo them.
//!
//! A payout ([`crate::ledger::actions::ActionRequest::Payout`]) moves money in two steps:
//!
//! | when | posting |
//! | --- | --- |
//! | approved | its account → payments in transit (and the instruction is queued) |
//! | settled by the hub | payments in transit → its final account |
//! | rejected by the hub | the approval's posting reversed; the work item reopened |

pub mod counterparties;
pub mod hub_files;
pub mod outbox;
pub mod statements;
pub mod status;
#[cfg(test)]
mod tests;

use sqlx::PgConnection;

use crate::audit::Actor;
use crate::ledger::actions::ActionError;
use crate::money::Money;

/// The payments-in-transit account of a currency (migration 0035).
pub fn in_transit_code(currency: &str) -> String {
    match currency {
        crate::ledger::limits::REPORTING_CURRENCY => "payments_in_transit".to_owned(),
        other => format!("payments_in_transit_{}", other.to_lowercase()),
    }
}

/// What a payout tells the counterparty: where it comes from, never an associate's free text
/// (which may name a customer).
pub fn remittance(action: i64, work_item: Option<i64>) -> String {
    match work_item {
        Some(item) => format!("SettleDesk resettlement, work item {item}, payout {action}"),
        None => format!("SettleDesk payout {action}"),
    }
}

/// Whether `actor` may start or approve a payout of `amount` to counterparty version `version`:
/// it must be the version payouts go to now, the payment one the hub takes, and `actor` not a
/// person who proposed or approved its bank details (whoever sets where money goes does not also
/// send it there). Holds the counterparty until the transaction ends (see [`outbox::check`]).
pub(crate) async fn check_payout(
    conn: &mut PgConnection,
    actor: &Actor,
    version: i64,
    amount: Money,
    remittance: &str,
) -> Result<(), ActionError> {
    // Whoever proposed or approved any approved version of its details: a harmless later
    // change by others does not clear the person who set the account first.
    let row = sqlx::query!(
        r#"SELECT c.code,
                  bool_or(v.status = 'approved' AND (v.proposed_by_person = $2 OR v.decided_by_person = $2))
                      AS "set_it!"
           FROM counterparty_version p
           JOIN counterparty c ON c.id = p.counterparty_id
           JOIN counterparty_version v ON v.counterparty_id = c.id
           WHERE p.id = $1 GROUP BY c.code"#,
        version,
        actor.person.0
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ActionError::NoCounterparty(version.to_string()))?;
    if row.set_it {
        return Err(ActionError::OwnCounterparty(row.code));
    }
    // The longest end-to-end id an action can have: the check must hold for the real one.
    let end_to_end_id = outbox::end_to_end_id(i64::MAX);
    outbox::check(conn, version, amount, &end_to_end_id, remittance).await.map_err(|e| match e {
        outbox::QueueError::NotPayable(_) => ActionError::CounterpartyChanged(row.code),
        outbox::QueueError::Currency { payout, account } => {
            ActionError::CounterpartyCurrency { code: row.code, holds: account, payout }
        }
        outbox::QueueError::Payment(e) => ActionError::Payment(e),
        outbox::QueueError::Database(e) => ActionError::Database(e),
    })
}

/// Where a payout's payment instruction stands (migration 0034's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InstructionStatus {
    /// Waiting for the drain to write it.
    Queued,
    /// In a message written to the hub's outbound area.
    Sent,
    /// Received or accepted by the hub, not yet settled.
    Pending,
    Settled,
    Rejected,
}

impl InstructionStatus {
    pub const ALL: [InstructionStatus; 5] = [
        InstructionStatus::Queued,
        InstructionStatus::Sent,
        InstructionStatus::Pending,
        InstructionStatus::Settled,
        InstructionStatus::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InstructionStatus::Queued => "queued",
            InstructionStatus::Sent => "sent",
            InstructionStatus::Pending => "pending",
            InstructionStatus::Settled => "settled",
            InstructionStatus::Rejected => "rejected",
        }
    }
}

/// A payout as people see it beside its action: where the money goes, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayoutState {
    pub action_id: i64,
    /// The counterparty's code and name, as the version paid to says.
    pub counterparty: String,
    pub counterparty_name: String,
    /// Its instruction, once the payout was approved.
    pub payment: Option<PaymentState>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaymentState {
    pub end_to_end_id: String,
    /// An [`InstructionStatus`] code.
    pub status: String,
    /// The hub's reason (ISO code and words), when it gave one.
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// The payout state of each payout among `actions`.
pub async fn states(
    pool: &sqlx::PgPool,
    actions: &[crate::ledger::actions::Action],
) -> Result<Vec<PayoutState>, sqlx::Error> {
    use crate::ledger::actions::ActionRequest;
    let payouts: Vec<(i64, i64)> = actions
        .iter()
        .filter_map(|a| match a.request {
            ActionRequest::Payout { counterparty_version, .. } => Some((a.id, counterparty_version)),
            _ => None,
        })
        .collect();
    if payouts.is_empty() {
        return Ok(Vec::new());
    }
    let (ids, versions): (Vec<i64>, Vec<i64>) = payouts.iter().copied().unzip();
    let names: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT v.id, c.code, v.name FROM counterparty_version v JOIN counterparty c ON c.id = v.counterparty_id
         WHERE v.id = ANY($1)",
    )
    .bind(&versions)
    .fetch_all(pool)
    .await?;
    #[derive(sqlx::FromRow)]
    struct Instruction {
        action_id: i64,
        end_to_end_id: String,
        status: String,
        reason_code: Option<String>,
        reason_text: Option<String>,
    }
    let payments: Vec<Instruction> = sqlx::query_as(
        "SELECT action_id, end_to_end_id, status, reason_code, reason_text FROM payment_instruction
         WHERE action_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    Ok(payouts
        .into_iter()
        .map(|(action_id, version)| {
            let (counterparty, counterparty_name) = names
                .iter()
                .find(|(id, ..)| *id == version)
                .map(|(_, code, name)| (code.clone(), name.clone()))
                .unwrap_or_default();
            let payment = payments.iter().find(|p| p.action_id == action_id).map(|p| PaymentState {
                end_to_end_id: p.end_to_end_id.clone(),
                status: p.status.clone(),
                reason_code: p.reason_code.clone(),
                reason_text: p.reason_text.clone(),
            });
            PayoutState { action_id, counterparty, counterparty_name, payment }
        })
        .collect())
}

/// The counterparties payouts may go to now, by code: (code, name, currency).
pub async fn payable_counterparties(
    pool: &sqlx::PgPool,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.code, v.name, v.currency FROM counterparty c
         JOIN LATERAL (SELECT * FROM counterparty_version n WHERE n.counterparty_id = c.id AND n.status = 'approved'
                       ORDER BY n.version DESC LIMIT 1) v ON v.active
         ORDER BY c.code",
    )
    .fetch_all(pool)
    .await
}
