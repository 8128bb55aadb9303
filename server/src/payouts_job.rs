//! Payouts between the ledger and the bank's payment hub, whether or not anyone looks: queued
//! payment instructions are written to the outbound area as pain.001 messages, the hub's status
//! reports (pain.002) are taken in from the inbound area, and so are the bank's end-of-day
//! statements (camt.053), checked against the ledger. Every replica may run it: a
//! message is claimed and written by one drain (see `domain::payouts::outbox`), and status
//! reports are applied one at a time (see `domain::payouts::status`).

use std::path::Path;
use std::time::Duration;

use domain::payouts::{outbox, statements, status};
use domain::storage::ObjectStore;
use sqlx::PgPool;
use tokio::sync::watch;

/// How often to look: a payout approved now leaves within this.
const EVERY: Duration = Duration::from_secs(30);

/// What one round did.
#[derive(Debug, Default)]
pub struct Round {
    pub sent: Vec<outbox::Sent>,
    pub taken: Vec<(String, status::FileOutcome)>,
    pub statements: Vec<(String, statements::FileOutcome)>,
}

pub fn spawn(pool: PgPool, store: ObjectStore, sender: outbox::Sender, mut stopping: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
            if let Err(e) = once(&pool, &store, &sender).await {
                tracing::warn!(error = %format!("{e:#}"), "payouts round failed; trying again in 30 seconds");
            }
        }
    });
}

/// One round: send what is queued, then take in what the hub said (also `server payouts run`).
pub async fn once(pool: &PgPool, store: &ObjectStore, sender: &outbox::Sender) -> anyhow::Result<Round> {
    let scratch = tempfile::tempdir()?;
    // Each on its own: a drain that fails must not keep the hub's statuses out, nor the other way.
    let sent = send(pool, store, sender, scratch.path()).await;
    let taken = take_in(pool, store).await;
    // After the status reports: a statement's payouts are checked in the state the hub gave them.
    let checked = take_in_statements(pool, store).await;
    match (sent, taken, checked) {
        (Ok(sent), Ok(taken), Ok(statements)) => Ok(Round { sent, taken, statements }),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => Err(e),
    }
}

async fn send(
    pool: &PgPool,
    store: &ObjectStore,
    sender: &outbox::Sender,
    scratch: &Path,
) -> anyhow::Result<Vec<outbox::Sent>> {
    let sent = outbox::drain(pool, store, sender, scratch).await?;
    for message in &sent {
        tracing::info!(message = %message.message_id, key = %message.object_key, payments = message.payments, "payment instructions sent");
    }
    Ok(sent)
}

async fn take_in(pool: &PgPool, store: &ObjectStore) -> anyhow::Result<Vec<(String, status::FileOutcome)>> {
    let taken = status::take_in(pool, store).await?;
    for (key, outcome) in &taken {
        tracing::info!(file = %key, outcome = ?outcome, "payment status report taken in");
    }
    Ok(taken)
}

async fn take_in_statements(
    pool: &PgPool,
    store: &ObjectStore,
) -> anyhow::Result<Vec<(String, statements::FileOutcome)>> {
    let taken = statements::take_in(pool, store).await?;
    for (key, outcome) in &taken {
        tracing::info!(file = %key, outcome = ?outcome, "bank statement taken in");
    }
    Ok(taken)
}
