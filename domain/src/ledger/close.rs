//! Day-end close, under maker-checker: one approver proposes closing the first open date, another
//! approves, and only then is nothing more posted on or before it (corrections go to the next open
//! date). Dates close one at a time, in order, never after the bank's own business date: a close
//! can neither skip a day nor reach into the future.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::audit::{self, Actor, AuditAction, NewAuditEvent};

#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    #[error("only the first open date, {first_open}, can be closed next (not {given})")]
    NotFirstOpen { given: NaiveDate, first_open: NaiveDate },
    #[error("{date} has not ended yet: today's business date is {today}")]
    NotEnded { date: NaiveDate, today: NaiveDate },
    #[error("you proposed this close; another approver decides it")]
    OwnProposal,
    #[error("closing {0} is already proposed and waiting for another approver")]
    AlreadyProposed(NaiveDate),
    #[error("this proposal was already decided")]
    NotPending,
    #[error("close proposal {0} does not exist")]
    NotFound(i64),
    #[error("the ledger's closed dates run past the end of the calendar")]
    OutOfRange,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: i64,
    pub business_date: NaiveDate,
    pub proposed_by: String,
    pub proposed_by_person: i64,
    pub proposed_at: DateTime<Utc>,
}

impl Proposal {
    /// Whether `actor` (an approver) may approve or reject it: anyone but the one who proposed it.
    pub fn decidable_by(&self, actor: &Actor) -> bool {
        self.proposed_by_person != actor.person.0
    }
}

/// Whether `date` has ended by `today` (the bank's open business date), so that it may be closed.
pub fn has_ended(date: NaiveDate, today: NaiveDate) -> bool {
    date <= today
}

/// Where the day-end close stands, as an approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The first date still open for posting: the next to close.
    pub first_open: NaiveDate,
    /// Whether it has ended, so that closing it may be proposed now.
    pub closable: bool,
    /// The proposal waiting for a second approver, if any.
    pub pending: Option<Proposal>,
}

/// Where the day-end close stands on `today` (the bank's open business date).
pub async fn standing(pool: &PgPool, today: NaiveDate) -> Result<Standing, CloseError> {
    let first_open = first_open(&mut *pool.acquire().await?, today).await?;
    let pending = pending(pool).await?.into_iter().next();
    Ok(Standing { first_open, closable: has_ended(first_open, today), pending })
}

/// The first date still open for posting: the day after the latest closed one, or (nothing closed
/// yet) the earliest date anything was posted on, or `today`.
pub async fn first_open(db: &mut PgConnection, today: NaiveDate) -> Result<NaiveDate, CloseError> {
    if let Some(open) = super::posting::first_open_date(db).await.map_err(|e| match e {
        super::posting::LedgerError::Database(e) => CloseError::Database(e),
        _ => CloseError::OutOfRange,
    })? {
        return Ok(open);
    }
    let earliest =
        sqlx::query_scalar!(r#"SELECT min(effective_date) AS "earliest: NaiveDate" FROM ledger_transaction"#)
            .fetch_one(&mut *db)
            .await?;
    Ok(earliest.map_or(today, |e| e.min(today)))
}

/// Checks that `date` may be closed next, under the close lock.
async fn closable(db: &mut PgConnection, date: NaiveDate, today: NaiveDate) -> Result<(), CloseError> {
    let first_open = first_open(db, today).await?;
    if date != first_open {
        return Err(CloseError::NotFirstOpen { given: date, first_open });
    }
    if !has_ended(date, today) {
        return Err(CloseError::NotEnded { date, today });
    }
    Ok(())
}

async fn lock_closes(db: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query!("LOCK TABLE ledger_closed_date IN EXCLUSIVE MODE").execute(&mut *db).await?;
    Ok(())
}

/// Proposes closing `date` (which must be the first open date, and not after `today`, the bank's
/// open business date).
pub async fn propose(
    pool: &PgPool,
    actor: &Actor,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<i64, CloseError> {
    let mut db = pool.begin().await?;
    lock_closes(&mut db).await?;
    closable(&mut db, date, today).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO ledger_close_proposal (business_date, proposed_by, proposed_by_person) VALUES ($1, $2, $3)
         ON CONFLICT (business_date) WHERE status = 'pending' DO NOTHING RETURNING id",
        date as _,
        actor.username,
        actor.person.0
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(CloseError::AlreadyProposed(date))?;
    let event = NewAuditEvent {
        after: Some(serde_json::json!({ "proposal": id })),
        ..actor.event(AuditAction::LedgerCloseProposed, format!("business_date:{date}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    Ok(id)
}

/// How a proposal is decided, as its status column says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approved,
    Rejected,
}

impl Decision {
    fn code(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        }
    }
}

/// Marks the pending proposal `id` decided by `actor`, who must not be its proposer, and returns
/// its date. The row stays locked until the caller's transaction ends.
async fn decide(
    db: &mut PgConnection,
    id: i64,
    actor: &Actor,
    decision: Decision,
) -> Result<NaiveDate, CloseError> {
    let row = sqlx::query!(
        r#"SELECT business_date AS "business_date: NaiveDate", proposed_by_person, status
           FROM ledger_close_proposal WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *db)
    .await?
    .ok_or(CloseError::NotFound(id))?;
    if row.status != "pending" {
        return Err(CloseError::NotPending);
    }
    if row.proposed_by_person == actor.person.0 {
        return Err(CloseError::OwnProposal);
    }
    sqlx::query!(
        "UPDATE ledger_close_proposal SET status = $4, decided_by = $2, decided_by_person = $3, decided_at = now()
         WHERE id = $1",
        id,
        actor.username,
        actor.person.0,
        decision.code()
    )
    .execute(&mut *db)
    .await?;
    Ok(row.business_date)
}

/// Approves a proposal: the date closes, in the same transaction as its audit record.
pub async fn approve(
    pool: &PgPool,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<NaiveDate, CloseError> {
    let mut db = pool.begin().await?;
    lock_closes(&mut db).await?;
    let date = decide(&mut db, id, actor, Decision::Approved).await?;
    // Still the next date to close, and ended (the proposal may be days old).
    closable(&mut db, date, today).await?;
    sqlx::query!(
        "INSERT INTO ledger_closed_date (business_date, closed_by, proposal_id) VALUES ($1, $2, $3)",
        date as _,
        actor.username,
        id
    )
    .execute(&mut *db)
    .await?;
    let event = NewAuditEvent {
        after: Some(serde_json::json!({ "proposal": id })),
        ..actor.event(AuditAction::LedgerDateClosed, format!("business_date:{date}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    Ok(date)
}

pub async fn reject(pool: &PgPool, actor: &Actor, id: i64) -> Result<(), CloseError> {
    let mut db = pool.begin().await?;
    let date = decide(&mut db, id, actor, Decision::Rejected).await?;
    let event = NewAuditEvent {
        after: Some(serde_json::json!({ "proposal": id })),
        ..actor.event(AuditAction::LedgerCloseRejected, format!("business_date:{date}"))
    };
    audit::append(&mut db, event).await?;
    db.commit().await?;
    Ok(())
}

/// Proposals waiting for a second approver.
pub async fn pending(pool: &PgPool) -> Result<Vec<Proposal>, sqlx::Error> {
    sqlx::query_as!(
        Proposal,
        r#"SELECT id, business_date AS "business_date: NaiveDate", proposed_by, proposed_by_person,
                  proposed_at AS "proposed_at: DateTime<Utc>"
           FROM ledger_close_proposal WHERE status = 'pending' ORDER BY business_date"#
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::people::testing::actor;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_proposal_is_decided_by_anyone_but_its_proposer() {
        let proposal = Proposal {
            id: 1,
            business_date: day("2026-12-03"),
            proposed_by: "sam".into(),
            proposed_by_person: 7,
            proposed_at: Utc::now(),
        };
        let person = |id: i64, username: &str| Actor {
            person: crate::people::PersonId(id),
            username: username.into(),
            session_ref: None,
            address: None,
        };
        assert!(!proposal.decidable_by(&person(7, "sam")));
        // By person, not by name: a renamed proposer is still the proposer.
        assert!(!proposal.decidable_by(&person(7, "samuel")));
        assert!(proposal.decidable_by(&person(8, "sue")));
    }

    #[test]
    fn a_date_may_close_once_it_has_ended() {
        let today = day("2026-12-03");
        assert!(has_ended(day("2026-12-02"), today));
        assert!(has_ended(today, today));
        assert!(!has_ended(day("2026-12-04"), today));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_date_closes_only_when_a_second_approver_approves_the_first_open_date(pool: PgPool) {
        let (sam, sue) =
            (actor(&pool, "sam", Role::Approver).await, actor(&pool, "sue", Role::Approver).await);
        let today = day("2026-12-03");
        // Nothing posted yet: the first open date is today.
        for far in ["2062-01-01", "+262142-12-31", "2026-12-04"] {
            let Ok(date) = far.parse::<NaiveDate>() else { continue };
            assert!(
                matches!(propose(&pool, &sam, date, today).await, Err(CloseError::NotFirstOpen { .. })),
                "{far}"
            );
        }
        let id = propose(&pool, &sam, today, today).await.unwrap();
        let standing = standing(&pool, today).await.unwrap();
        assert_eq!((standing.first_open, standing.closable), (today, true));
        let waiting = standing.pending.expect("the proposal waits");
        assert!(!waiting.decidable_by(&sam) && waiting.decidable_by(&sue));
        assert!(matches!(propose(&pool, &sue, today, today).await, Err(CloseError::AlreadyProposed(_))));
        assert!(matches!(approve(&pool, &sam, id, today).await, Err(CloseError::OwnProposal)));
        let mut db = pool.acquire().await.unwrap();
        assert_eq!(first_open(&mut db, today).await.unwrap(), today, "not closed before the approval");
        assert_eq!(approve(&pool, &sue, id, today).await.unwrap(), today);
        assert_eq!(first_open(&mut db, today).await.unwrap(), day("2026-12-04"));
        assert!(matches!(approve(&pool, &sue, id, today).await, Err(CloseError::NotPending)));
        // Tomorrow has not ended: it cannot even be proposed.
        assert!(matches!(
            propose(&pool, &sam, day("2026-12-04"), today).await,
            Err(CloseError::NotEnded { .. })
        ));
        let events: Vec<String> = sqlx::query_scalar!(
            "SELECT action FROM audit_event WHERE target = 'business_date:2026-12-03' ORDER BY seq"
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(events, vec!["ledger.close_proposed", "ledger.date_closed"]);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_rejected_or_stale_proposal_closes_nothing(pool: PgPool) {
        let (sam, sue) =
            (actor(&pool, "sam", Role::Approver).await, actor(&pool, "sue", Role::Approver).await);
        let today = day("2026-12-03");
        let id = propose(&pool, &sam, today, today).await.unwrap();
        reject(&pool, &sue, id).await.unwrap();
        assert!(matches!(approve(&pool, &sue, id, today).await, Err(CloseError::NotPending)));
        let closed: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM ledger_closed_date"#)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(closed, 0);
        // A far-future closed date written straight into the table (as before this rule) does not
        // make any page panic: the arithmetic is checked.
        sqlx::query!(
            "INSERT INTO ledger_closed_date (business_date, closed_by) VALUES ('262142-12-31', 'x')"
        )
        .execute(&pool)
        .await
        .unwrap();
        let mut db = pool.acquire().await.unwrap();
        assert!(matches!(first_open(&mut db, today).await, Err(CloseError::OutOfRange)));
    }
}
