//! Posting templates: how a transfer for a work item of a given class and reason is usually
//! booked. The ledger's transfer form is filled from the item's template (the associate may change
//! every field; the approver sees what was changed only through the amount check). `{network}` in an
//! account code stands for the item's network. Admins edit templates; each change is audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::audit::{self, Actor, AuditAction, NewAuditEvent};
use crate::exceptions::WorkItem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub class: String,
    pub reason: String,
    pub from_code: String,
    pub to_code: String,
    pub description: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("'{0}' is not an account (use {{network}} for the item's network)")]
    UnknownAccount(String),
    #[error("a template moves money between two different accounts")]
    SameAccount,
    #[error("the class is mismatch or resettlement, and the reason a code like chargeback")]
    BadKey,
    #[error("the description has 1 to 200 characters")]
    BadDescription,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The networks `{network}` may stand for.
const NETWORKS: [&str; 2] = ["visa", "mastercard"];

pub async fn list(pool: &PgPool) -> Result<Vec<Template>, sqlx::Error> {
    sqlx::query_as!(
        Template,
        r#"SELECT class, reason, from_code, to_code, description, updated_by, updated_at AS "updated_at: DateTime<Utc>"
           FROM posting_template ORDER BY class, reason"#
    )
    .fetch_all(pool)
    .await
}

/// The item's template with `{network}` filled in from the item's latest report, if it has one.
pub async fn for_item(pool: &PgPool, item: &WorkItem) -> Result<Option<Template>, sqlx::Error> {
    let template = sqlx::query_as!(
        Template,
        r#"SELECT class, reason, from_code, to_code, description, updated_by, updated_at AS "updated_at: DateTime<Utc>"
           FROM posting_template WHERE class = $1 AND reason = $2"#,
        item.class,
        item.reason
    )
    .fetch_optional(pool)
    .await?;
    let Some(mut template) = template else { return Ok(None) };
    let network = match (item.run_id, item.seq) {
        (Some(run_id), Some(seq)) => {
            sqlx::query_scalar!("SELECT network FROM recon_item WHERE run_id = $1 AND seq = $2", run_id, seq)
                .fetch_optional(pool)
                .await?
                .unwrap_or_default()
        }
        _ => String::new(),
    };
    template.from_code = template.from_code.replace("{network}", &network);
    template.to_code = template.to_code.replace("{network}", &network);
    Ok(Some(template))
}

/// Sets the template of a class and reason. Every account it names must exist (for each network,
/// where it says `{network}`).
pub async fn set(
    pool: &PgPool,
    actor: &Actor,
    class: &str,
    reason: &str,
    from_code: &str,
    to_code: &str,
    description: &str,
) -> Result<(), TemplateError> {
    let (from_code, to_code, description) = (from_code.trim(), to_code.trim(), description.trim());
    let reason_ok = !reason.is_empty()
        && reason.len() <= 40
        && reason.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !matches!(class, "mismatch" | "resettlement") || !reason_ok {
        return Err(TemplateError::BadKey);
    }
    if from_code == to_code {
        return Err(TemplateError::SameAccount);
    }
    if description.is_empty() || description.chars().count() > 200 {
        return Err(TemplateError::BadDescription);
    }
    for code in [from_code, to_code] {
        for network in NETWORKS {
            let concrete = code.replace("{network}", network);
            if super::account_by_code(pool, &concrete).await?.is_none() {
                return Err(TemplateError::UnknownAccount(concrete));
            }
        }
    }
    let mut db = pool.begin().await?;
    let before = sqlx::query!(
        "SELECT from_code, to_code, description FROM posting_template WHERE class = $1 AND reason = $2 FOR UPDATE",
        class,
        reason
    )
    .fetch_optional(&mut *db)
    .await?
    .map(|r| serde_json::json!({ "from": r.from_code, "to": r.to_code, "description": r.description }));
    sqlx::query!(
        "INSERT INTO posting_template (class, reason, from_code, to_code, description, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (class, reason) DO UPDATE SET from_code = EXCLUDED.from_code, to_code = EXCLUDED.to_code,
             description = EXCLUDED.description, updated_by = EXCLUDED.updated_by, updated_at = now()",
        class,
        reason,
        from_code,
        to_code,
        description,
        actor.username
    )
    .execute(&mut *db)
    .await?;
    let event = NewAuditEvent {
        before,
        after: Some(serde_json::json!({ "from": from_code, "to": to_code, "description": description })),
        ..actor.event(AuditAction::SettingChanged, format!("posting_template:{class}/{reason}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::exceptions::testing::items;
    use crate::people::testing::actor;

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn an_item_is_filled_from_its_reasons_template_with_its_network(pool: PgPool) {
        let ids = items(
            &pool,
            "2026-11-20",
            &[("resettlement", "chargeback", 64_104, "USD"), ("mismatch", "unheard_of", 5, "USD")],
        )
        .await;
        let item = crate::exceptions::get(&pool, ids[0]).await.unwrap();
        let template = for_item(&pool, &item).await.unwrap().unwrap();
        assert_eq!(
            (template.from_code.as_str(), template.to_code.as_str()),
            ("global_finance_resettlement", "visa_settlement")
        );
        let other = crate::exceptions::get(&pool, ids[1]).await.unwrap();
        assert!(for_item(&pool, &other).await.unwrap().is_none());

        let admin = actor(&pool, "ada", Role::Admin).await;
        assert!(matches!(
            set(&pool, &admin, "resettlement", "chargeback", "nowhere", "{network}_settlement", "x").await,
            Err(TemplateError::UnknownAccount(_))
        ));
        assert!(matches!(
            set(&pool, &admin, "resettlement", "chargeback", "suspense", "suspense", "x").await,
            Err(TemplateError::SameAccount)
        ));
        set(
            &pool,
            &admin,
            "resettlement",
            "chargeback",
            "suspense",
            "{network}_settlement",
            "Chargeback from suspense",
        )
        .await
        .unwrap();
        assert_eq!(for_item(&pool, &item).await.unwrap().unwrap().from_code, "suspense");
    }
}
