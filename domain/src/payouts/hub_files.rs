//! The files the payment hub and the bank send back (status reports, statements), as files: listed
//! from the inbound area, registered once by key in `hub_file`, then applied whole or quarantined
//! whole with the reason. What each kind says is applied by its own module ([`super::status`],
//! [`super::statements`]); this is what they share.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, AuditAction, NewAuditEvent};
use crate::storage::{ObjectInfo, ObjectStore, StorageError};

/// Larger files are refused unread: a day's status reports or statements are a few hundred kB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The hub's `pain.002` status report.
    StatusReport,
    /// The bank's `camt.053` statement.
    Statement,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::StatusReport => "pain002",
            Kind::Statement => "camt053",
        }
    }
}

/// The files under `prefix` not registered yet, oldest key first.
pub async fn unregistered<E: From<sqlx::Error> + From<StorageError>>(
    pool: &PgPool,
    store: &ObjectStore,
    prefix: &str,
) -> Result<Vec<ObjectInfo>, E> {
    let mut objects = store.list(prefix).await?;
    objects.retain(|o| crate::storage::is_file_key(&o.key));
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<String> = objects.iter().map(|o| o.key.clone()).collect();
    let known: Vec<String> = sqlx::query_scalar("SELECT object_key FROM hub_file WHERE object_key = ANY($1)")
        .bind(&keys)
        .fetch_all(pool)
        .await?;
    objects.retain(|o| !known.contains(&o.key));
    Ok(objects)
}

/// The file's bytes, or none when it is over [`MAX_FILE_BYTES`] (it is then quarantined unread).
pub async fn read(store: &ObjectStore, object: &ObjectInfo) -> Result<Option<Vec<u8>>, StorageError> {
    if object.size > MAX_FILE_BYTES {
        return Ok(None);
    }
    let (_, mut reader) = store.open(&object.key).await?;
    let mut bytes = Vec::with_capacity(object.size as usize);
    tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut bytes)
        .await
        .map_err(|source| StorageError::Local { key: object.key.clone(), source })?;
    Ok(Some(bytes))
}

/// Takes the files' turn (one file of either kind at a time, across processes: two reports on one
/// payout must not both find it pending) and says whether `key` was registered meanwhile.
pub async fn take_turn(db: &mut PgConnection, key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('settledesk:hub-files'))").execute(&mut *db).await?;
    let seen = sqlx::query_scalar!("SELECT id FROM hub_file WHERE object_key = $1", key)
        .fetch_optional(&mut *db)
        .await?;
    Ok(seen.is_some())
}

/// The same content, or the same message id, applied before.
pub enum Earlier {
    /// The same bytes, applied as file `first`: this one changes nothing.
    Duplicate { first: i64 },
    /// Another file with the same message id and other content: a hub never reuses one.
    Reused { key: String },
}

/// One file being registered, in the transaction that applies it.
pub struct Registering<'a> {
    pub kind: Kind,
    pub key: &'a str,
    pub sha256: String,
    pub size: u64,
}

impl<'a> Registering<'a> {
    pub fn new(kind: Kind, key: &'a str, bytes: Option<&[u8]>, size: u64) -> Self {
        // A file too large to read is registered with a hash of nothing in particular.
        let sha256 = bytes.map(|b| hex::encode(Sha256::digest(b))).unwrap_or_else(|| "0".repeat(64));
        Registering { kind, key, sha256, size }
    }

    /// Why a file too large to read is refused.
    pub fn too_large(&self) -> String {
        format!("the file has {} bytes, over the limit of {MAX_FILE_BYTES}", self.size)
    }

    /// Whether its content, or its message id, was applied before.
    pub async fn earlier(
        &self,
        db: &mut PgConnection,
        message_id: &str,
    ) -> Result<Option<Earlier>, sqlx::Error> {
        let first = sqlx::query_scalar!(
            "SELECT id FROM hub_file WHERE sha256 = $1 AND status = 'applied'",
            self.sha256
        )
        .fetch_optional(&mut *db)
        .await?;
        if let Some(first) = first {
            return Ok(Some(Earlier::Duplicate { first }));
        }
        let reused = sqlx::query_scalar!(
            "SELECT object_key FROM hub_file WHERE kind = $1 AND message_id = $2 AND status = 'applied'",
            self.kind.code(),
            message_id
        )
        .fetch_optional(&mut *db)
        .await?;
        Ok(reused.map(|key| Earlier::Reused { key }))
    }

    /// Registers it as `applied` or `duplicate`: its id.
    pub async fn register(
        &self,
        db: &mut PgConnection,
        message_id: Option<&str>,
        applied: bool,
    ) -> Result<i64, sqlx::Error> {
        self.insert(db, message_id, if applied { "applied" } else { "duplicate" }, None).await
    }

    /// Registers it refused whole, with the reason (logged and audited; an alert follows):
    /// nothing of it is applied. Its id.
    pub async fn quarantine(
        &self,
        db: &mut PgConnection,
        message_id: Option<&str>,
        reason: &str,
    ) -> Result<i64, sqlx::Error> {
        let file = self.insert(db, message_id, "quarantined", Some(reason)).await?;
        tracing::warn!(key = self.key, reason, "a file from the payment hub or the bank was quarantined");
        let event = NewAuditEvent {
            target: Some(format!("hub_file:{file}")),
            after: Some(serde_json::json!({ "object_key": self.key, "reason": reason })),
            ..NewAuditEvent::new(crate::exceptions::SYSTEM, AuditAction::HubFileQuarantined)
        };
        audit::append(&mut *db, event).await?;
        Ok(file)
    }

    /// Records what an applied file did, once (in the transaction that registered it), and
    /// audits it.
    pub async fn applied(
        &self,
        db: &mut PgConnection,
        file: i64,
        changed: usize,
        what: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        sqlx::query!("UPDATE hub_file SET applied = $2 WHERE id = $1", file, changed as i32)
            .execute(&mut *db)
            .await?;
        let event = NewAuditEvent {
            target: Some(format!("hub_file:{file}")),
            after: Some(serde_json::json!({ "object_key": self.key, "applied": what })),
            ..NewAuditEvent::new(crate::exceptions::SYSTEM, AuditAction::HubFileApplied)
        };
        audit::append(&mut *db, event).await?;
        Ok(())
    }

    async fn insert(
        &self,
        db: &mut PgConnection,
        message_id: Option<&str>,
        status: &str,
        reason: Option<&str>,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar!(
            "INSERT INTO hub_file (object_key, kind, sha256, size_bytes, message_id, status, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            self.key,
            self.kind.code(),
            self.sha256,
            self.size as i64,
            message_id,
            status,
            reason
        )
        .fetch_one(&mut *db)
        .await
    }
}
