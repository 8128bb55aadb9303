//! Payment instructions out, exactly once. The transaction that posts a payout queues its
//! instruction ([`queue`]); [`drain`] turns queued instructions into `pain.001` messages in the
//! outbound area of object storage, one message per release, in three steps, each durable before
//! the next (see migration 0034): claim, write, mark sent. A drain that dies between two steps
//! leaves what the next one finishes: a claimed message is written again with the same bytes at
//! the same key, and an instruction belongs to one message only.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::iso20022::pain001::{Account, Agent, Initiation, InitiationError, Party, Payment, PaymentBlock};
use crate::money::{Currency, Money};
use crate::storage::{ObjectStore, StorageError};

/// The instruction a posted payout queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub action_id: i64,
    pub counterparty_version_id: i64,
    pub amount: Money,
    pub execution_date: NaiveDate,
    pub remittance: String,
    /// Instructions with the same key go in one message (a batch release's).
    pub release_key: String,
}

/// An action's end-to-end id: stable for the action, unique, within ISO's 35 characters (an
/// action's idempotency key is per person and up to 128).
pub fn end_to_end_id(action_id: i64) -> String {
    format!("SD-A-{action_id}")
}

/// Why an instruction is not queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("counterparty version {0} is not the one payouts go to now (pending, rejected, superseded or retired)")]
    NotPayable(i64),
    #[error("the payout is in {payout}, the counterparty's account in {account}")]
    Currency { payout: String, account: String },
    #[error("the payment would be refused: {0}")]
    Payment(#[from] InitiationError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Whether a payment of `amount` may go to counterparty version `version_id` now: only to the
/// version payouts go to now, in its currency, and as the hub will check it, so that a message
/// built from it later cannot fail. The counterparty is held until `conn`'s transaction ends (a
/// change approved meanwhile waits).
pub async fn check(
    conn: &mut PgConnection,
    version_id: i64,
    amount: Money,
    end_to_end_id: &str,
    remittance: &str,
) -> Result<(), QueueError> {
    // The counterparty's row, shared until the transaction ends: a decision on its details locks
    // it for update, so it waits for this posting, or this waits for it and then reads what it
    // decided (a new statement sees the newest committed version).
    sqlx::query!(
        "SELECT c.id FROM counterparty c JOIN counterparty_version v ON v.counterparty_id = c.id
         WHERE v.id = $1 FOR SHARE OF c",
        version_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(QueueError::NotPayable(version_id))?;
    let version = sqlx::query!(
        "SELECT v.name, v.iban, v.account_number, v.bic, v.aba, v.currency
         FROM counterparty_version v
         WHERE v.id = $1 AND v.status = 'approved' AND v.active
           AND v.version = (SELECT max(n.version) FROM counterparty_version n
                            WHERE n.counterparty_id = v.counterparty_id AND n.status = 'approved')",
        version_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(QueueError::NotPayable(version_id))?;
    if version.currency != amount.currency().code() {
        return Err(QueueError::Currency {
            payout: amount.currency().code().into(),
            account: version.currency,
        });
    }
    let account = super::counterparties::account(version.iban, version.account_number)
        .ok_or(QueueError::NotPayable(version_id))?;
    Payment {
        end_to_end_id: end_to_end_id.to_owned(),
        amount,
        creditor: Party { name: version.name, account, agent: Agent { bic: version.bic, aba: version.aba } },
        remittance: remittance.to_owned(),
    }
    .check()?;
    Ok(())
}

/// Queues `q`'s instruction on `conn`, in the transaction that posts its action, after
/// [`check`]. Queuing an action twice queues it once.
pub async fn queue(conn: &mut PgConnection, q: &Queued) -> Result<(), QueueError> {
    check(conn, q.counterparty_version_id, q.amount, &end_to_end_id(q.action_id), &q.remittance).await?;
    sqlx::query!(
        "INSERT INTO payment_instruction (action_id, end_to_end_id, counterparty_version_id, amount_minor, currency,
                                          execution_date, remittance, release_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (action_id) DO NOTHING",
        q.action_id,
        end_to_end_id(q.action_id),
        q.counterparty_version_id,
        q.amount.minor(),
        q.amount.currency().code(),
        q.execution_date as _,
        q.remittance,
        q.release_key
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Who sends the messages and from which account: the bank's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub initiating_party: String,
    pub debtor: Party,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("object storage: {0}")]
    Storage(#[from] StorageError),
    #[error("message {message_id} cannot be written: {error}")]
    Message { message_id: String, error: InitiationError },
    #[error("writing the message: {0}")]
    Io(#[from] std::io::Error),
    #[error("the bank's own account for payouts is not set right: {0}")]
    Sender(InitiationError),
}

/// A message written and marked sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub message_id: String,
    pub object_key: String,
    pub payments: usize,
}

/// Where a drain stops early, as a process killed there would (for the crash tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopAfter {
    Nothing,
    Claim,
    Write,
}

/// Claims every queued instruction into messages, then writes and marks every message not yet
/// sent (its own, and any a drain that died left).
pub async fn drain(
    pool: &PgPool,
    store: &ObjectStore,
    sender: &Sender,
    work: &std::path::Path,
) -> Result<Vec<Sent>, OutboxError> {
    drain_until(pool, store, sender, work, StopAfter::Nothing).await
}

/// [`drain`], stopping after the first claim or the first write when asked to.
pub async fn drain_until(
    pool: &PgPool,
    store: &ObjectStore,
    sender: &Sender,
    work: &std::path::Path,
    stop: StopAfter,
) -> Result<Vec<Sent>, OutboxError> {
    // The bank's own details are checked before anything is claimed: wrong, they are a setting to
    // fix, not a message to give up on.
    sender.debtor.check_as_debtor().map_err(OutboxError::Sender)?;
    while claim(pool, sender).await? {
        if stop == StopAfter::Claim {
            return Ok(Vec::new());
        }
    }
    let unsent: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM payment_message WHERE sent_at IS NULL ORDER BY id")
            .fetch_all(pool)
            .await?;
    let mut sent = Vec::new();
    for id in unsent {
        // Held while the message is written: a second drain skips it rather than write it again
        // after it was marked sent (the hub would see it twice). A drain that dies here lets go,
        // and the next writes the same bytes, kept with the message.
        let mut tx = pool.begin().await?;
        let ours: Option<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT message_id, object_key, body FROM payment_message WHERE id = $1 AND sent_at IS NULL
             FOR UPDATE SKIP LOCKED",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((message_id, object_key, body)) = ours else { continue };
        let file = work.join(format!("{message_id}-{}.xml", uuid::Uuid::new_v4()));
        std::fs::write(&file, &body)?;
        store.move_file(&object_key, &file).await?;
        if stop == StopAfter::Write {
            return Ok(sent);
        }
        sqlx::query!("UPDATE payment_message SET sent_at = now() WHERE id = $1", id)
            .execute(&mut *tx)
            .await?;
        let payments = sqlx::query!(
            "UPDATE payment_instruction SET status = 'sent' WHERE message = $1 AND status = 'queued'",
            id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
        let event = crate::audit::NewAuditEvent {
            target: Some(format!("payment_message:{message_id}")),
            after: Some(serde_json::json!({ "object_key": object_key, "payments": payments })),
            ..crate::audit::NewAuditEvent::new(
                crate::exceptions::SYSTEM,
                crate::audit::AuditAction::PaymentsSent,
            )
        };
        crate::audit::append(&mut tx, event).await?;
        tx.commit().await?;
        sent.push(Sent { message_id, object_key, payments });
    }
    Ok(sent)
}

/// Claims the instructions of the oldest queued release into a new message, built and kept with
/// it; false when none is queued. Claims take turns (a claim is a few rows): two at once would
/// each lock some rows of one release and wait for the other's.
async fn claim(pool: &PgPool, sender: &Sender) -> Result<bool, OutboxError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('settledesk:payout-claims'))")
        .execute(&mut *tx)
        .await?;
    let release = sqlx::query_scalar!(
        "SELECT release_key FROM payment_instruction WHERE message IS NULL ORDER BY id LIMIT 1"
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(release) = release else { return Ok(false) };
    let id = sqlx::query_scalar!("SELECT nextval('payment_message_id_seq') AS \"id!\"")
        .fetch_one(&mut *tx)
        .await?;
    let created_at: DateTime<Utc> =
        sqlx::query_scalar!(r#"SELECT date_trunc('second', now()) AS "now!: DateTime<Utc>""#)
            .fetch_one(&mut *tx)
            .await?;
    let message_id = format!("SD-M-{id}");
    let object_key = format!("outbound/pain001/{}/{message_id}.xml", created_at.date_naive());
    let instructions: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM payment_instruction WHERE release_key = $1 AND message IS NULL ORDER BY id FOR UPDATE",
    )
    .bind(&release)
    .fetch_all(&mut *tx)
    .await?;
    let message = message(&mut tx, &instructions, &message_id, created_at, sender).await?;
    let body =
        message.to_xml().map_err(|error| OutboxError::Message { message_id: message_id.clone(), error })?;
    sqlx::query!(
        "INSERT INTO payment_message (id, message_id, created_at, object_key, body, sha256) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        message_id,
        created_at as _,
        object_key,
        body,
        hex::encode(Sha256::digest(&body))
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("UPDATE payment_instruction SET message = $1 WHERE id = ANY($2)", id, &instructions)
        .execute(&mut *tx)
        .await?;
    // Which block each payment travels in: a status report may give a block's status only.
    for block in &message.blocks {
        let ids: Vec<&str> = block.payments.iter().map(|p| p.end_to_end_id.as_str()).collect();
        sqlx::query(
            "UPDATE payment_instruction SET block_id = $1 WHERE message = $2 AND end_to_end_id = ANY($3)",
        )
        .bind(&block.id)
        .bind(id)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The message of `instructions`, each to the counterparty version it was queued for; one payment
/// block per execution date and currency (the bank's account pays in one currency).
async fn message(
    conn: &mut PgConnection,
    instructions: &[i64],
    message_id: &str,
    created_at: DateTime<Utc>,
    sender: &Sender,
) -> Result<Initiation, OutboxError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        end_to_end_id: String,
        amount_minor: i64,
        currency: String,
        execution_date: NaiveDate,
        remittance: String,
        name: String,
        iban: Option<String>,
        account_number: Option<String>,
        bic: Option<String>,
        aba: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.end_to_end_id, i.amount_minor, i.currency, i.execution_date, i.remittance,
                v.name, v.iban, v.account_number, v.bic, v.aba
         FROM payment_instruction i JOIN counterparty_version v ON v.id = i.counterparty_version_id
         WHERE i.id = ANY($1) ORDER BY i.execution_date, i.currency, i.id",
    )
    .bind(instructions)
    .fetch_all(conn)
    .await?;
    let mut blocks: Vec<PaymentBlock> = Vec::new();
    for r in rows {
        let currency = Currency::from_code(&r.currency).ok_or_else(|| OutboxError::Message {
            message_id: message_id.to_owned(),
            error: InitiationError::Identifier {
                field: "currency",
                value: r.currency.clone(),
                what: "currency",
            },
        })?;
        let account =
            super::counterparties::account(r.iban, r.account_number).unwrap_or(Account::Other(String::new()));
        let payment = Payment {
            end_to_end_id: r.end_to_end_id,
            amount: Money::from_minor(r.amount_minor, currency),
            creditor: Party { name: r.name, account, agent: Agent { bic: r.bic, aba: r.aba } },
            remittance: r.remittance,
        };
        match blocks.last_mut() {
            Some(block)
                if block.execution_date == r.execution_date
                    && block.payments[0].amount.currency() == payment.amount.currency() =>
            {
                block.payments.push(payment)
            }
            _ => blocks.push(PaymentBlock {
                id: format!("{message_id}-{}", blocks.len() + 1),
                execution_date: r.execution_date,
                debtor: sender.debtor.clone(),
                payments: vec![payment],
            }),
        }
    }
    Ok(Initiation {
        message_id: message_id.to_owned(),
        created_at,
        initiating_party: sender.initiating_party.clone(),
        blocks,
    })
}

/// What the tests send as: the bank's side of a message.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    pub fn sender() -> Sender {
        Sender {
            initiating_party: "SettleDesk".into(),
            debtor: Party {
                name: "Example Bank payouts".into(),
                account: Account::Other("000123456789".into()),
                agent: Agent { bic: Some("EXBKUS33XXX".into()), aba: Some("021000021".into()) },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::process::Command;

    use super::*;
    use crate::access::Role;
    use crate::payouts::counterparties::testing::approved_visa;
    use crate::payouts::counterparties::{self, Details, Proposal};
    use crate::people::testing::actor;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::from_code("USD").unwrap())
    }

    use super::testing::sender;

    /// An action row for an instruction to belong to (the approval itself is the ledger's).
    async fn action(pool: &PgPool, n: i64) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO ledger_action (idempotency_key, kind, request, amount_minor, currency, initiated_by,
                                        expires_at, approvals_needed, status)
             VALUES ('payout-' || $1, 'transfer', '{}', 100 * $1, 'USD', 'ava', now() + interval '1 day', 1, 'posted')
             RETURNING id",
        )
        .bind(n)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    async fn queued(pool: &PgPool, version: i64, n: i64, release: &str) -> i64 {
        let action_id = action(pool, n).await;
        let q = Queued {
            action_id,
            counterparty_version_id: version,
            amount: usd(100 * n),
            execution_date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            remittance: format!("Resettlement of item {n}"),
            release_key: release.into(),
        };
        let mut conn = pool.acquire().await.unwrap();
        queue(&mut conn, &q).await.unwrap();
        // Queued again (a retried approval): still one instruction.
        queue(&mut conn, &q).await.unwrap();
        action_id
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_payout_goes_only_to_the_version_in_effect_in_its_currency(pool: PgPool) {
        let first = approved_visa(&pool).await;
        let (ada, abe) = (actor(&pool, "ada", Role::Admin).await, actor(&pool, "abe", Role::Admin).await);
        let try_queue = |version: i64, amount: Money, n: i64| {
            let pool = pool.clone();
            async move {
                let action_id = action(&pool, n).await;
                let q = Queued {
                    action_id,
                    counterparty_version_id: version,
                    amount,
                    execution_date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
                    remittance: "Resettlement".into(),
                    release_key: format!("action-{action_id}"),
                };
                queue(&mut pool.acquire().await.unwrap(), &q).await
            }
        };
        // A change proposed, not approved: payouts still go to the first version, not to it.
        let mut redirect = counterparties::history(&pool, "VISA_SETTLEMENT").await.unwrap()[0].clone();
        let proposal = Proposal {
            code: redirect.code.clone(),
            details: Details { account: Account::Other("999999999".into()), ..redirect.details.clone() },
            active: true,
            reason: "New account".into(),
        };
        redirect = counterparties::propose(&pool, &abe, &proposal).await.unwrap();
        assert!(matches!(try_queue(redirect.id, usd(500), 1).await, Err(QueueError::NotPayable(_))));
        assert!(try_queue(first, usd(500), 2).await.is_ok());
        // The wrong currency.
        let eur = Money::from_minor(500, Currency::from_code("EUR").unwrap());
        assert!(matches!(try_queue(first, eur, 3).await, Err(QueueError::Currency { .. })));
        // Approved: the first version is superseded, and nothing more goes to it.
        counterparties::decide(&pool, &ada, redirect.id, true).await.unwrap();
        assert!(matches!(try_queue(first, usd(500), 4).await, Err(QueueError::NotPayable(_))));
        assert!(try_queue(redirect.id, usd(500), 5).await.is_ok());
        // A remittance the hub would refuse is refused now, not when the message is built.
        let action_id = action(&pool, 6).await;
        let bad = Queued {
            action_id,
            counterparty_version_id: redirect.id,
            amount: usd(500),
            execution_date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            remittance: "x".repeat(141),
            release_key: "r".into(),
        };
        assert!(matches!(queue(&mut pool.acquire().await.unwrap(), &bad).await, Err(QueueError::Payment(_))));
        let queued: i64 =
            sqlx::query_scalar("SELECT count(*) FROM payment_instruction").fetch_one(&pool).await.unwrap();
        assert_eq!(queued, 2);
        // An instruction says what it said: its amount cannot be changed under it.
        let changed = sqlx::query("UPDATE payment_instruction SET amount_minor = 1")
            .execute(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(changed.contains("frozen"), "{changed}");
    }

    /// Every message in the outbound area: its key, and how many times each end-to-end id appears.
    async fn outbound(store: &ObjectStore, work: &std::path::Path) -> (Vec<String>, BTreeMap<String, usize>) {
        let mut keys = Vec::new();
        let mut ids = BTreeMap::new();
        for object in store.list("outbound/pain001/").await.unwrap() {
            let local = work.join("read.xml");
            store.download_to(&object.key, &local).await.unwrap();
            let text = std::fs::read_to_string(&local).unwrap();
            let validator =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/iso20022/validate.py");
            let out =
                Command::new("python3").arg(validator).arg("pain.001.001.09").arg(&local).output().unwrap();
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for id in text.split("<EndToEndId>").skip(1).filter_map(|rest| rest.split('<').next()) {
                *ids.entry(id.to_owned()).or_insert(0) += 1;
            }
            keys.push(object.key);
        }
        (keys, ids)
    }

    fn setup() -> (tempfile::TempDir, ObjectStore, tempfile::TempDir) {
        let root = tempfile::tempdir().unwrap();
        let store = ObjectStore::local(root.path());
        (root, store, tempfile::tempdir().unwrap())
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn each_release_becomes_one_valid_message_and_each_payout_one_payment(pool: PgPool) {
        let (_root, store, work) = setup();
        let version = approved_visa(&pool).await;
        let a = queued(&pool, version, 1, "release-1").await;
        let b = queued(&pool, version, 2, "release-1").await;
        let c = queued(&pool, version, 3, "action-3").await;
        let sent = drain(&pool, &store, &sender(), work.path()).await.unwrap();
        assert_eq!(sent.iter().map(|s| s.payments).collect::<Vec<_>>(), vec![2, 1]);
        let (keys, ids) = outbound(&store, work.path()).await;
        assert_eq!(keys.len(), 2, "{keys:?}");
        let want: BTreeMap<String, usize> = [a, b, c].iter().map(|id| (end_to_end_id(*id), 1)).collect();
        assert_eq!(ids, want);
        let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM payment_instruction")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(statuses, vec!["sent".to_owned()]);
        // Nothing queued: nothing more is written.
        assert!(drain(&pool, &store, &sender(), work.path()).await.unwrap().is_empty());
        assert_eq!(outbound(&store, work.path()).await.0.len(), 2);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_drain_killed_after_claiming_or_after_writing_leaves_one_message_per_release(pool: PgPool) {
        let (_root, store, work) = setup();
        let version = approved_visa(&pool).await;
        // Killed between claiming and writing: nothing outside yet; the next drain writes it.
        let first = queued(&pool, version, 1, "release-1").await;
        drain_until(&pool, &store, &sender(), work.path(), StopAfter::Claim).await.unwrap();
        assert!(outbound(&store, work.path()).await.0.is_empty());
        let sent = drain(&pool, &store, &sender(), work.path()).await.unwrap();
        assert_eq!(sent.len(), 1);
        // Killed between writing and marking it sent: the next drain writes the same bytes at the
        // same key, and marks it once.
        let second = queued(&pool, version, 2, "release-2").await;
        drain_until(&pool, &store, &sender(), work.path(), StopAfter::Write).await.unwrap();
        let (keys, _) = outbound(&store, work.path()).await;
        assert_eq!(keys.len(), 2);
        let key = keys.iter().find(|k| !k.ends_with(&format!("{}.xml", sent[0].message_id))).unwrap().clone();
        let before = work.path().join("before.xml");
        store.download_to(&key, &before).await.unwrap();
        let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM payment_message WHERE sent_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(unsent, 1, "written, not marked");
        let again = drain(&pool, &store, &sender(), work.path()).await.unwrap();
        assert_eq!((again.len(), again[0].object_key.as_str()), (1, key.as_str()));
        let after = work.path().join("after.xml");
        store.download_to(&key, &after).await.unwrap();
        assert_eq!(std::fs::read(&before).unwrap(), std::fs::read(&after).unwrap(), "the same bytes");
        let kept: Vec<u8> = sqlx::query_scalar("SELECT body FROM payment_message WHERE object_key = $1")
            .bind(&key)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(kept, std::fs::read(&after).unwrap(), "what was claimed is what went out");
        let (keys, ids) = outbound(&store, work.path()).await;
        assert_eq!(keys.len(), 2);
        let want: BTreeMap<String, usize> =
            [first, second].iter().map(|id| (end_to_end_id(*id), 1)).collect();
        assert_eq!(ids, want, "exactly one instruction per action");
        let recorded: String = sqlx::query_scalar("SELECT sha256 FROM payment_message WHERE object_key = $1")
            .bind(&key)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(recorded, hex::encode(Sha256::digest(std::fs::read(&after).unwrap())));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_drains_at_once_send_each_payout_once(pool: PgPool) {
        let (_root, store, work) = setup();
        let version = approved_visa(&pool).await;
        let mut actions = Vec::new();
        for n in 1..=12 {
            // Neighbours share a release: two claims at once would each lock some of its rows.
            actions.push(queued(&pool, version, n, &format!("release-{}", (n - 1) / 3)).await);
        }
        let sender = sender();
        let (one, two) = tokio::join!(
            drain(&pool, &store, &sender, work.path()),
            drain(&pool, &store, &sender, work.path())
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!(one.len() + two.len(), 4, "{one:?} {two:?}");
        let (keys, ids) = outbound(&store, work.path()).await;
        assert_eq!(keys.len(), 4);
        let want: BTreeMap<String, usize> = actions.iter().map(|id| (end_to_end_id(*id), 1)).collect();
        assert_eq!(ids, want);
    }
}
