//! External counterparties: where a payout's money goes. One admin proposes a counterparty, or a
//! change to its bank details, or its retirement; another admin approves or rejects it. Until
//! then, payouts go to the version approved before. Every version stays, with who proposed and
//! who decided it.
//!
//! The audit trail records each proposal and decision by its version; the version's row holds the
//! bank details, and the database keeps it as proposed (migration 0033): only its decision is
//! written afterwards, once. Account numbers stay out of the trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::audit::{self, Actor, AuditAction};
use crate::iso20022::pain001::{is_aba, is_bic, is_iban, Account, Agent};
use crate::money::Currency;

/// A counterparty's details, as a version holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub name: String,
    pub account: Account,
    pub agent: Agent,
    pub currency: Currency,
}

/// What an admin proposes: a counterparty's details (new, or changed), or its retirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub code: String,
    pub details: Details,
    /// False: nothing more is paid to it once approved.
    pub active: bool,
    pub reason: String,
}

/// One version of a counterparty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub details: Details,
    pub active: bool,
    pub status: Status,
    pub reason: String,
    pub proposed_by: String,
    pub proposed_by_person: i64,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Version {
    /// Whether `actor` may approve or reject it: anyone but its proposer.
    pub fn decidable_by(&self, actor: &Actor) -> bool {
        self.status == Status::Pending && self.proposed_by_person != actor.person.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
}

impl Status {
    fn from_code(code: &str) -> Status {
        match code {
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            _ => Status::Pending,
        }
    }
}

/// Which field of a proposal is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Code,
    Name,
    Iban,
    AccountNumber,
    Bic,
    Aba,
    Currency,
    Reason,
}

#[derive(Debug, thiserror::Error)]
pub enum CounterpartyError {
    #[error("{field:?}: {why}")]
    Invalid { field: Field, why: &'static str },
    #[error("a change to {0} is already waiting for another admin")]
    AlreadyPending(String),
    #[error("the proposal changes nothing: it is what was approved")]
    NothingChanged,
    #[error("there is no counterparty {0} to retire")]
    NothingToRetire(String),
    #[error("you proposed this change; another admin decides it")]
    OwnProposal,
    #[error("this change was already decided")]
    NotPending,
    #[error("counterparty change {0} does not exist")]
    NotFound(i64),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Checks a proposal's fields as the hub and the schema will (see `iso20022::pain001`).
pub fn check(proposal: &Proposal) -> Result<(), CounterpartyError> {
    let invalid = |field, why| Err(CounterpartyError::Invalid { field, why });
    let code = proposal.code.as_bytes();
    let code_ok = (2..=40).contains(&code.len())
        && code[0].is_ascii_uppercase()
        && code.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
    if !code_ok {
        return invalid(Field::Code, "2 to 40 capitals, digits and underscores, starting with a capital");
    }
    let name = proposal.details.name.trim();
    if name.is_empty() || name.chars().count() > 140 || name.chars().any(char::is_control) {
        return invalid(Field::Name, "1 to 140 characters on one line");
    }
    match &proposal.details.account {
        Account::Iban(iban) if !is_iban(iban) => {
            return invalid(Field::Iban, "not an IBAN (its check digits)")
        }
        Account::Other(number)
            if number.is_empty()
                || number.len() > 34
                || !number.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            return invalid(Field::AccountNumber, "1 to 34 letters and digits")
        }
        _ => {}
    }
    let agent = &proposal.details.agent;
    if agent.bic.is_none() && agent.aba.is_none() {
        return invalid(Field::Bic, "a BIC or an ABA routing number is needed");
    }
    if agent.bic.as_deref().is_some_and(|bic| !is_bic(bic)) {
        return invalid(Field::Bic, "not a BIC (8 or 11 letters and digits)");
    }
    if agent.aba.as_deref().is_some_and(|aba| !is_aba(aba)) {
        return invalid(Field::Aba, "not an ABA routing number (9 digits and their check)");
    }
    let reason = proposal.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return invalid(Field::Reason, "1 to 500 characters");
    }
    Ok(())
}

/// A proposal as an admin types it. The account is an IBAN when it reads as one (spaces and case
/// aside), else a domestic account number; an empty BIC or ABA is none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub account: &'a str,
    pub bic: &'a str,
    pub aba: &'a str,
    pub currency: &'a str,
    pub active: bool,
    pub reason: &'a str,
}

impl Typed<'_> {
    /// The proposal, checked (see [`check`]).
    pub fn proposal(&self) -> Result<Proposal, CounterpartyError> {
        let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let account = squeezed(self.account);
        let account = if is_iban(&account) {
            Account::Iban(account)
        } else if account.len() >= 2 && account.as_bytes()[..2].iter().all(u8::is_ascii_uppercase) {
            // Starts like an IBAN (a country), but its check digits are wrong.
            return Err(CounterpartyError::Invalid {
                field: Field::Iban,
                why: "not an IBAN (its check digits)",
            });
        } else {
            Account::Other(account)
        };
        let optional = |s: &str| Some(squeezed(s)).filter(|s| !s.is_empty());
        let currency = Currency::from_code(self.currency.trim())
            .ok_or(CounterpartyError::Invalid { field: Field::Currency, why: "a currency from the list" })?;
        let proposal = Proposal {
            code: self.code.trim().to_uppercase(),
            details: Details {
                name: self.name.trim().to_owned(),
                account,
                agent: Agent { bic: optional(self.bic), aba: optional(self.aba) },
                currency,
            },
            active: self.active,
            reason: self.reason.trim().to_owned(),
        };
        check(&proposal)?;
        Ok(proposal)
    }
}

/// A counterparty as the admin page lists it: the version payouts go to now (its latest approved)
/// and the change waiting for another admin, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub code: String,
    pub current: Option<Version>,
    pub pending: Option<Version>,
}

/// Every counterparty, by code.
pub async fn standing(pool: &PgPool) -> Result<Vec<Standing>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let counterparties: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM counterparty ORDER BY code").fetch_all(&mut *conn).await?;
    let mut all = Vec::with_capacity(counterparties.len());
    for (id, code) in counterparties {
        let versions = versions_where(&mut conn, id, None).await?;
        all.push(Standing {
            code,
            current: versions.iter().find(|v| v.status == Status::Approved).cloned(),
            pending: versions.iter().find(|v| v.status == Status::Pending).cloned(),
        });
    }
    Ok(all)
}

/// Proposes `proposal` as the counterparty's next version, pending another admin's decision.
pub async fn propose(
    pool: &PgPool,
    actor: &Actor,
    proposal: &Proposal,
) -> Result<Version, CounterpartyError> {
    check(proposal)?;
    let details = Details { name: proposal.details.name.trim().to_owned(), ..proposal.details.clone() };
    let mut tx = pool.begin().await?;
    sqlx::query!("INSERT INTO counterparty (code) VALUES ($1) ON CONFLICT (code) DO NOTHING", proposal.code)
        .execute(&mut *tx)
        .await?;
    // The counterparty's row, locked: its versions are numbered one proposal at a time.
    let id = sqlx::query_scalar!("SELECT id FROM counterparty WHERE code = $1 FOR UPDATE", proposal.code)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(pending) = versions_where(&mut tx, id, Some(Status::Pending)).await?.into_iter().next() {
        return Err(CounterpartyError::AlreadyPending(pending.code));
    }
    let approved = versions_where(&mut tx, id, Some(Status::Approved)).await?.into_iter().next();
    match &approved {
        Some(v) if v.details == details && v.active == proposal.active => {
            return Err(CounterpartyError::NothingChanged)
        }
        None if !proposal.active => return Err(CounterpartyError::NothingToRetire(proposal.code.clone())),
        _ => {}
    }
    let (iban, account_number) = match &details.account {
        Account::Iban(iban) => (Some(iban.clone()), None),
        Account::Other(number) => (None, Some(number.clone())),
    };
    let version_id = sqlx::query_scalar!(
        "INSERT INTO counterparty_version (counterparty_id, version, name, iban, account_number, bic, aba, currency,
                                           active, proposed_by, proposed_by_person, reason)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
         FROM counterparty_version WHERE counterparty_id = $1
         RETURNING id",
        id,
        details.name,
        iban,
        account_number,
        details.agent.bic,
        details.agent.aba,
        details.currency.code(),
        proposal.active,
        actor.username,
        actor.person.0,
        proposal.reason.trim()
    )
    .fetch_one(&mut *tx)
    .await?;
    let version = version_by_id(&mut tx, version_id).await?.ok_or(CounterpartyError::NotFound(version_id))?;
    let mut event = actor.event(AuditAction::CounterpartyProposed, format!("counterparty:{}", proposal.code));
    event.before = approved.as_ref().map(|v| serde_json::json!({ "version": v.version, "version_id": v.id }));
    event.after = Some(serde_json::json!({
        "version": version.version,
        "version_id": version.id,
        "active": version.active,
        "reason": version.reason,
    }));
    audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(version)
}

/// Approves (or rejects) pending version `version_id`, as an admin who did not propose it.
pub async fn decide(
    pool: &PgPool,
    actor: &Actor,
    version_id: i64,
    approve: bool,
) -> Result<Version, CounterpartyError> {
    let mut tx = pool.begin().await?;
    // The counterparty locked: two admins deciding at once decide it once, and a payout being
    // posted to its current details commits before they change (see `outbox::check`).
    sqlx::query!(
        "SELECT c.id FROM counterparty c JOIN counterparty_version v ON v.counterparty_id = c.id
         WHERE v.id = $1 FOR UPDATE OF c",
        version_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let locked =
        sqlx::query_scalar!("SELECT id FROM counterparty_version WHERE id = $1 FOR UPDATE", version_id)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.is_none() {
        return Err(CounterpartyError::NotFound(version_id));
    }
    let version = version_by_id(&mut tx, version_id).await?.ok_or(CounterpartyError::NotFound(version_id))?;
    if version.status != Status::Pending {
        return Err(CounterpartyError::NotPending);
    }
    if version.proposed_by_person == actor.person.0 {
        return Err(CounterpartyError::OwnProposal);
    }
    sqlx::query!(
        "UPDATE counterparty_version SET status = $2, decided_by = $3, decided_by_person = $4, decided_at = now()
         WHERE id = $1",
        version_id,
        if approve { "approved" } else { "rejected" },
        actor.username,
        actor.person.0
    )
    .execute(&mut *tx)
    .await?;
    let action = if approve { AuditAction::CounterpartyApproved } else { AuditAction::CounterpartyRejected };
    let mut event = actor.event(action, format!("counterparty:{}", version.code));
    event.after = Some(serde_json::json!({
        "version": version.version,
        "version_id": version.id,
        "proposed_by": version.proposed_by,
    }));
    audit::append(&mut tx, event).await?;
    let decided = version_by_id(&mut tx, version_id).await?.ok_or(CounterpartyError::NotFound(version_id))?;
    tx.commit().await?;
    Ok(decided)
}

/// The version payouts to `code` go to: its latest approved one, if that is active.
pub async fn payable(pool: &PgPool, code: &str) -> Result<Option<Version>, sqlx::Error> {
    let approved = history(pool, code).await?.into_iter().find(|v| v.status == Status::Approved);
    Ok(approved.filter(|v| v.active))
}

/// Every version of `code`, newest first.
pub async fn history(pool: &PgPool, code: &str) -> Result<Vec<Version>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(id) = sqlx::query_scalar!("SELECT id FROM counterparty WHERE code = $1", code)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(Vec::new());
    };
    versions_where(&mut conn, id, None).await
}

/// A version's account, from its two columns (the database holds exactly one).
pub(super) fn account(iban: Option<String>, number: Option<String>) -> Option<Account> {
    match (iban, number) {
        (Some(iban), _) => Some(Account::Iban(iban)),
        (None, Some(number)) => Some(Account::Other(number)),
        (None, None) => None,
    }
}

async fn version_by_id(conn: &mut sqlx::PgConnection, id: i64) -> Result<Option<Version>, sqlx::Error> {
    Ok(rows(conn, "v.id = $1", id, None).await?.into_iter().next())
}

/// Counterparty `id`'s versions in `status` (any, if none), newest first.
async fn versions_where(
    conn: &mut sqlx::PgConnection,
    id: i64,
    status: Option<Status>,
) -> Result<Vec<Version>, sqlx::Error> {
    rows(conn, "v.counterparty_id = $1", id, status).await
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    version: i32,
    name: String,
    iban: Option<String>,
    account_number: Option<String>,
    bic: Option<String>,
    aba: Option<String>,
    currency: String,
    active: bool,
    status: String,
    reason: String,
    proposed_by: String,
    proposed_by_person: i64,
    proposed_at: DateTime<Utc>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
}

async fn rows(
    conn: &mut sqlx::PgConnection,
    condition: &'static str,
    key: i64,
    status: Option<Status>,
) -> Result<Vec<Version>, sqlx::Error> {
    let status = status.map(|s| match s {
        Status::Pending => "pending",
        Status::Approved => "approved",
        Status::Rejected => "rejected",
    });
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT v.id, c.code, v.version, v.name, v.iban, v.account_number, v.bic, v.aba, v.currency, v.active,
                v.status, v.reason, v.proposed_by, v.proposed_by_person, v.proposed_at, v.decided_by, v.decided_at
         FROM counterparty_version v JOIN counterparty c ON c.id = v.counterparty_id
         WHERE {condition} AND ($2::text IS NULL OR v.status = $2)
         ORDER BY v.version DESC"
    ))
    .bind(key)
    .bind(status)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let account = account(r.iban, r.account_number)?;
            Some(Version {
                id: r.id,
                code: r.code,
                version: r.version,
                details: Details {
                    name: r.name,
                    account,
                    agent: Agent { bic: r.bic, aba: r.aba },
                    currency: Currency::from_code(&r.currency)?,
                },
                active: r.active,
                status: Status::from_code(&r.status),
                reason: r.reason,
                proposed_by: r.proposed_by,
                proposed_by_person: r.proposed_by_person,
                proposed_at: r.proposed_at,
                decided_by: r.decided_by,
                decided_at: r.decided_at,
            })
        })
        .collect())
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::access::Role;
    use crate::people::testing::actor;

    /// A network's settlement account, as an admin would propose it.
    pub fn visa() -> Proposal {
        Proposal {
            code: "VISA_SETTLEMENT".into(),
            details: Details {
                name: "Visa U.S.A. settlement".into(),
                account: Account::Other("4000000017".into()),
                agent: Agent { bic: None, aba: Some("011000015".into()) },
                currency: Currency::from_code("USD").unwrap(),
            },
            active: true,
            reason: "Resettlements of Visa chargebacks are paid here".into(),
        }
    }

    /// [`visa`], proposed by one admin and approved by another: its version's id.
    pub async fn approved_visa(pool: &PgPool) -> i64 {
        let (ada, abe) = (actor(pool, "ada", Role::Admin).await, actor(pool, "abe", Role::Admin).await);
        let proposed = propose(pool, &ada, &visa()).await.unwrap();
        decide(pool, &abe, proposed.id, true).await.unwrap().id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::people::testing::actor;

    use super::testing::visa;

    async fn admins(pool: &PgPool) -> (Actor, Actor) {
        (actor(pool, "ada", Role::Admin).await, actor(pool, "abe", Role::Admin).await)
    }

    #[test]
    fn a_typed_proposal_reads_an_iban_however_spaced_and_says_which_field_is_wrong() {
        let typed = Typed {
            code: " visa_eu ",
            name: "Visa Europe settlement",
            account: "gb29 nwbk 6016 1331 9268 19",
            bic: "nwbkgb2l",
            aba: "",
            currency: "EUR",
            active: true,
            reason: "EU chargebacks",
        };
        let proposal = typed.proposal().unwrap();
        assert_eq!(proposal.code, "VISA_EU");
        assert_eq!(proposal.details.account, Account::Iban("GB29NWBK60161331926819".into()));
        assert_eq!(proposal.details.agent, Agent { bic: Some("NWBKGB2L".into()), aba: None });
        let field = |t: Typed| match t.proposal() {
            Err(CounterpartyError::Invalid { field, .. }) => Some(field),
            _ => None,
        };
        // One digit off: an IBAN with wrong check digits, not an account number.
        assert_eq!(field(Typed { account: "GB29 NWBK 6016 1331 9268 18", ..typed }), Some(Field::Iban));
        assert_eq!(field(Typed { account: "0000-1234", ..typed }), Some(Field::AccountNumber));
        assert_eq!(field(Typed { bic: "", aba: "", ..typed }), Some(Field::Bic));
        assert_eq!(field(Typed { aba: "123456789", ..typed }), Some(Field::Aba));
        assert_eq!(field(Typed { currency: "XXX", ..typed }), Some(Field::Currency));
        assert_eq!(field(Typed { reason: " ", ..typed }), Some(Field::Reason));
        assert_eq!(field(Typed { name: "Line\nbreak", ..typed }), Some(Field::Name));
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn a_counterparty_is_payable_only_once_another_admin_approves_it(pool: PgPool) {
        let (ada, abe) = admins(&pool).await;
        let proposed = propose(&pool, &ada, &visa()).await.unwrap();
        assert_eq!((proposed.version, proposed.status), (1, Status::Pending));
        assert_eq!(payable(&pool, "VISA_SETTLEMENT").await.unwrap(), None, "nothing is paid to a proposal");
        assert!(!proposed.decidable_by(&ada) && proposed.decidable_by(&abe));
        assert!(matches!(decide(&pool, &ada, proposed.id, true).await, Err(CounterpartyError::OwnProposal)));
        let approved = decide(&pool, &abe, proposed.id, true).await.unwrap();
        assert_eq!((approved.status, approved.decided_by.as_deref()), (Status::Approved, Some("abe")));
        assert_eq!(payable(&pool, "VISA_SETTLEMENT").await.unwrap().unwrap().id, proposed.id);
        // A replayed or second decision changes nothing.
        assert!(matches!(decide(&pool, &abe, proposed.id, false).await, Err(CounterpartyError::NotPending)));
        assert!(matches!(decide(&pool, &abe, 9_999, true).await, Err(CounterpartyError::NotFound(9_999))));
        let actions: Vec<(String, String)> =
            sqlx::query_as("SELECT action, actor FROM audit_event WHERE target = 'counterparty:VISA_SETTLEMENT' ORDER BY seq")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            actions,
            vec![
                ("counterparty.proposed".into(), "ada".into()),
                ("counterparty.approved".into(), "abe".into())
            ]
        );
        let trail: String = sqlx::query_scalar("SELECT string_agg(coalesce(before_state, '') || coalesce(after_state, ''), ' ') FROM audit_event")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(!trail.contains("4000000017"), "account numbers stay out of the trail: {trail}");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn new_bank_details_take_effect_only_when_approved_and_one_change_waits_at_a_time(pool: PgPool) {
        let (ada, abe) = admins(&pool).await;
        let first = propose(&pool, &ada, &visa()).await.unwrap();
        decide(&pool, &abe, first.id, true).await.unwrap();
        // An insider redirects the payouts to an account of their own: proposed, not in effect.
        let mut redirected = visa();
        redirected.details.account = Account::Other("999999999".into());
        redirected.reason = "New account".into();
        let change = propose(&pool, &abe, &redirected).await.unwrap();
        assert_eq!(change.version, 2);
        let paid_to = payable(&pool, "VISA_SETTLEMENT").await.unwrap().unwrap();
        assert_eq!(
            (paid_to.version, paid_to.details.account.clone()),
            (1, Account::Other("4000000017".into()))
        );
        // A second change waits for the first; so does one proposed at the same moment.
        assert!(matches!(propose(&pool, &ada, &visa()).await, Err(CounterpartyError::AlreadyPending(_))));
        let mut other = visa();
        other.details.name = "Visa settlement (renamed)".into();
        assert!(matches!(propose(&pool, &ada, &other).await, Err(CounterpartyError::AlreadyPending(_))));
        // Rejected: the approved version stays in effect, and another change may be proposed.
        decide(&pool, &ada, change.id, false).await.unwrap();
        assert_eq!(payable(&pool, "VISA_SETTLEMENT").await.unwrap().unwrap().version, 1);
        assert!(matches!(propose(&pool, &ada, &visa()).await, Err(CounterpartyError::NothingChanged)));
        // Retired: nothing more is paid to it.
        let mut retire = visa();
        retire.active = false;
        let retirement = propose(&pool, &ada, &retire).await.unwrap();
        decide(&pool, &abe, retirement.id, true).await.unwrap();
        assert_eq!(payable(&pool, "VISA_SETTLEMENT").await.unwrap(), None);
        let versions: Vec<(i32, Status)> =
            history(&pool, "VISA_SETTLEMENT").await.unwrap().iter().map(|v| (v.version, v.status)).collect();
        assert_eq!(versions, vec![(3, Status::Approved), (2, Status::Rejected), (1, Status::Approved)]);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn two_proposals_at_once_make_one_pending_change(pool: PgPool) {
        let (ada, abe) = admins(&pool).await;
        let mut a = visa();
        a.details.name = "One".into();
        let mut b = visa();
        b.details.name = "Two".into();
        let (one, two) = tokio::join!(propose(&pool, &ada, &a), propose(&pool, &abe, &b));
        assert_eq!(one.is_ok() as u8 + two.is_ok() as u8, 1, "{one:?} {two:?}");
        let pending: i64 =
            sqlx::query_scalar("SELECT count(*) FROM counterparty_version WHERE status = 'pending'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(pending, 1);
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn bad_details_are_refused_by_field_and_the_database_holds_four_eyes_too(pool: PgPool) {
        let (ada, abe) = admins(&pool).await;
        let with = |change: fn(&mut Proposal)| {
            let mut p = visa();
            change(&mut p);
            match check(&p) {
                Err(CounterpartyError::Invalid { field, .. }) => Some(field),
                _ => None,
            }
        };
        assert_eq!(with(|p| p.code = "visa".into()), Some(Field::Code));
        assert_eq!(with(|p| p.details.name = " ".into()), Some(Field::Name));
        assert_eq!(with(|p| p.details.name = "Two\nlines".into()), Some(Field::Name));
        assert_eq!(with(|p| p.details.account = Account::Iban("BE71096123456768".into())), Some(Field::Iban));
        assert_eq!(with(|p| p.details.account = Account::Other("12-34".into())), Some(Field::AccountNumber));
        assert_eq!(with(|p| p.details.agent.aba = Some("011000016".into())), Some(Field::Aba));
        assert_eq!(
            with(|p| p.details.agent = Agent { bic: Some("VISA US".into()), aba: None }),
            Some(Field::Bic)
        );
        assert_eq!(with(|p| p.details.agent = Agent { bic: None, aba: None }), Some(Field::Bic));
        assert_eq!(with(|p| p.reason = "x".repeat(501)), Some(Field::Reason));
        assert_eq!(with(|_| {}), None);
        let mut retire = visa();
        retire.active = false;
        assert!(matches!(propose(&pool, &ada, &retire).await, Err(CounterpartyError::NothingToRetire(_))));
        // Around the code, straight in the database: a proposer deciding their own change.
        let proposed = propose(&pool, &ada, &visa()).await.unwrap();
        let own = sqlx::query(
            "UPDATE counterparty_version SET status = 'approved', decided_by = 'ada', decided_by_person = proposed_by_person,
                    decided_at = now() WHERE id = $1",
        )
        .bind(proposed.id)
        .execute(&pool)
        .await;
        assert!(own.unwrap_err().to_string().contains("counterparty_four_eyes"));
        let approved = decide(&pool, &abe, proposed.id, true).await.unwrap();
        // An approved version's bank details cannot be changed under it, nor its decision, nor removed.
        for statement in [
            "UPDATE counterparty_version SET account_number = '999999999' WHERE id = $1",
            "UPDATE counterparty_version SET status = 'rejected' WHERE id = $1",
            "DELETE FROM counterparty_version WHERE id = $1",
        ] {
            let refused =
                sqlx::query(statement).bind(approved.id).execute(&pool).await.unwrap_err().to_string();
            assert!(refused.contains("frozen") || refused.contains("kept"), "{statement}: {refused}");
        }
        assert_eq!(payable(&pool, "VISA_SETTLEMENT").await.unwrap().unwrap(), approved);
    }
}
