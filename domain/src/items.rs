//! Reading what runs produced: a date's runs, its items page by page, one item beside the network
//! record and the Zelle payment it is about, and the help desk's payment lookup.
//!
//! Item pages are keyset pages (after the last row shown), never OFFSET: the 500th page of a
//! ten-million-item day costs what the first does. Only the filters given reach the SQL, so each
//! query can use the index that fits it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::feeds::zelle::PaymentStatus;
use crate::feeds::RecordKind;
use crate::money::{Currency, Money};

/// A completed run, for the reports page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunListing {
    pub run_id: i64,
    pub business_date: NaiveDate,
    pub version: i32,
    pub finished_at: DateTime<Utc>,
    pub records: i64,
    pub manifest: serde_json::Value,
    /// Whether a later version of the same date exists.
    pub superseded: bool,
}

/// Completed runs, newest date first, for dates before `before` (keyset by date).
pub async fn runs(
    pool: &PgPool,
    before: Option<NaiveDate>,
    dates: i64,
) -> Result<Vec<RunListing>, sqlx::Error> {
    sqlx::query_as!(
        RunListing,
        r#"SELECT r.id AS run_id, r.business_date AS "business_date: NaiveDate", r.version,
                  r.finished_at AS "finished_at!: DateTime<Utc>", r.records AS "records!", r.manifest AS "manifest!",
                  r.version < max(r.version) OVER (PARTITION BY r.business_date) AS "superseded!"
           FROM recon_run r
           WHERE r.status = 'completed'
             AND r.business_date IN (SELECT DISTINCT business_date FROM recon_run
                                     WHERE status = 'completed' AND business_date < coalesce($1, 'infinity'::date)
                                     ORDER BY business_date DESC LIMIT $2)
           ORDER BY r.business_date DESC, r.version DESC"#,
        before as _,
        dates
    )
    .fetch_all(pool)
    .await
}

/// A completed run as the item pages and downloads address it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedRun {
    pub id: i64,
    pub version: i32,
    /// How many items fall in each class and reason (kept on the run record, not counted).
    pub counts: serde_json::Value,
    /// When retention retired its items (all but those work items point at): the counts then
    /// describe the run, not the rows still stored.
    pub items_retired_at: Option<DateTime<Utc>>,
}

/// How many items of a run fall in one class and reason, as the run stored it when it finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// `match`, `mismatch` or `resettlement`.
    pub class: String,
    /// The reason code; none for matches.
    pub reason: Option<String>,
    pub items: u64,
}

impl CompletedRun {
    /// The run's items per class and reason, in the order the run stored them (by class, then
    /// reason). Counts that cannot be read are no counts, never an error: they are a summary.
    pub fn reason_counts(&self) -> Vec<ReasonCount> {
        let stored: std::collections::BTreeMap<String, u64> =
            serde_json::from_value(self.counts.clone()).unwrap_or_default();
        stored
            .into_iter()
            .map(|(key, items)| match key.split_once('/') {
                Some((class, reason)) => {
                    ReasonCount { class: class.to_owned(), reason: Some(reason.to_owned()), items }
                }
                None => ReasonCount { class: key, reason: None, items },
            })
            .collect()
    }

    /// How many items `filter` selects, when the stored counts tell without counting: a filter
    /// of class and reason only (or none). Any other filter needs a count of the rows; none then.
    pub fn items_selected(&self, filter: &ItemFilter) -> Option<u64> {
        let ItemFilter {
            class,
            reason,
            network,
            currency,
            min_minor,
            max_minor,
            reference,
            last4,
            payment_id,
        } = filter;
        let narrower = network.is_some()
            || currency.is_some()
            || min_minor.is_some()
            || max_minor.is_some()
            || reference.is_some()
            || last4.is_some()
            || payment_id.is_some();
        if narrower || self.items_retired_at.is_some() {
            return None;
        }
        Some(
            self.reason_counts()
                .into_iter()
                .filter(|c| class.as_ref().is_none_or(|class| *class == c.class))
                .filter(|c| reason.is_none() || *reason == c.reason)
                .map(|c| c.items)
                .sum(),
        )
    }
}

/// The run a page means: the given version of the date, or its latest completed one.
pub async fn run_of(
    pool: &PgPool,
    date: NaiveDate,
    version: Option<i32>,
) -> Result<Option<CompletedRun>, sqlx::Error> {
    sqlx::query_as!(
        CompletedRun,
        r#"SELECT id, version, counts AS "counts!", items_retired_at AS "items_retired_at: DateTime<Utc>" FROM recon_run
           WHERE business_date = $1 AND status = 'completed' AND ($2::int IS NULL OR version = $2)
           ORDER BY version DESC LIMIT 1"#,
        date as _,
        version
    )
    .fetch_optional(pool)
    .await
}

/// Which items a page shows. Text filters match exactly (references and payment ids are keys, not
/// prose); an amount range needs the currency, whose scale turns it into minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFilter {
    pub class: Option<String>,
    pub reason: Option<String>,
    pub network: Option<String>,
    pub currency: Option<Currency>,
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
    pub reference: Option<String>,
    pub last4: Option<String>,
    pub payment_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemOrder {
    /// In report order.
    #[default]
    Seq,
    AmountAscending,
    AmountDescending,
}

/// A row of the list that a page starts after or ends before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub amount_minor: i64,
    pub seq: i64,
}

/// Which page of a keyset list: the first, the one right after a row, or the one right before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Page {
    #[default]
    First,
    After(Cursor),
    Before(Cursor),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ItemRow {
    pub run_id: i64,
    pub seq: i64,
    pub class: String,
    pub reason: Option<String>,
    pub network: String,
    pub reference: Option<String>,
    pub card_last4: String,
    pub transaction_date: NaiveDate,
    pub amount_minor: i64,
    pub currency: String,
    pub settlement_minor: Option<i64>,
    pub settlement_currency: Option<String>,
    pub approval_code: Option<String>,
    pub payment_id: Option<String>,
    pub feed_file_id: Option<i64>,
    pub record_number: Option<i64>,
}

impl ItemRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { amount_minor: self.amount_minor, seq: self.seq }
    }
}

const ITEM_COLUMNS: &str = "run_id, seq, class, reason, network, reference, card_last4, transaction_date, \
     amount_minor, currency, settlement_minor, settlement_currency, approval_code, payment_id, feed_file_id, \
     record_number";

/// One page of a run's items, after the given row (or from the first).
pub async fn browse(
    pool: &PgPool,
    run_id: i64,
    filter: &ItemFilter,
    order: ItemOrder,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ItemRow>, sqlx::Error> {
    browse_page(pool, run_id, filter, order, after.map_or(Page::First, Page::After), limit).await
}

/// Up to `limit` items of a run at `page`, in list order whichever way they were read: a page
/// before a row holds the `limit` rows closest before it (read backwards on the same index, so
/// going back costs what going forward does).
pub async fn browse_page(
    pool: &PgPool,
    run_id: i64,
    filter: &ItemFilter,
    order: ItemOrder,
    page: Page,
    limit: i64,
) -> Result<Vec<ItemRow>, sqlx::Error> {
    let mut rows: Vec<ItemRow> =
        browse_query(run_id, filter, order, page, limit).build_query_as().fetch_all(pool).await?;
    if matches!(page, Page::Before(_)) {
        rows.reverse();
    }
    Ok(rows)
}

fn browse_query(
    run_id: i64,
    filter: &ItemFilter,
    order: ItemOrder,
    page: Page,
    limit: i64,
) -> QueryBuilder<'static, Postgres> {
    // A reason names its class: saying so lets PostgreSQL use the per-class indexes instead of
    // walking the whole run in report order.
    let class = filter.class.clone().or_else(|| {
        filter.reason.as_deref().and_then(crate::recon::report::class_of_reason).map(str::to_owned)
    });
    // Backwards is the same index walked the other way: the comparison and the order turn round,
    // and the rows are put back in list order once read.
    let (cursor, backwards) = match page {
        Page::First => (None, false),
        Page::After(c) => (Some(c), false),
        Page::Before(c) => (Some(c), true),
    };
    let descending = matches!(order, ItemOrder::AmountDescending) != backwards;
    let browse = Browse { run_id, filter, class: class.as_deref(), order, cursor, descending, limit };
    // Each table's items are read in list order on its own index, `limit` of them at most, and the
    // page is the first `limit` of those together.
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("SELECT {ITEM_COLUMNS} FROM ("));
    let branches = std::iter::once(browse.stored_branch()).chain(browse.match_branches());
    for (n, branch) in branches.enumerate() {
        if n > 0 {
            q.push(" UNION ALL ");
        }
        q.push("(");
        browse.push_branch(&mut q, &branch);
        q.push(")");
    }
    q.push(") i");
    q.push(browse.order_by());
    q.push(" LIMIT ").push_bind(limit);
    q
}

/// Where one part of a page is read from, and on which column its reference filter falls.
struct Branch {
    table: &'static str,
    /// A condition written in (our own text, no input).
    condition: Option<&'static str>,
    /// The column a reference filter compares.
    reference: &'static str,
    /// Whether the stored items of a run whose matches are apart are left out (they hold none).
    no_stored_matches: bool,
}

struct Browse<'a> {
    run_id: i64,
    filter: &'a ItemFilter,
    class: Option<&'a str>,
    order: ItemOrder,
    cursor: Option<Cursor>,
    descending: bool,
    limit: i64,
}

impl Browse<'_> {
    /// Exceptions, and the matches of runs from before migration 0032.
    fn stored_branch(&self) -> Branch {
        Branch {
            table: "recon_item",
            condition: None,
            reference: "reference",
            // A run whose matches are apart has none here: asked for matches, the plan skips the
            // table instead of walking its exceptions to find none.
            no_stored_matches: self.class == Some("match"),
        }
    }

    /// Compact matches (`match_item`); filtered by reference, in two parts, each with an index:
    /// the few records whose reference is their own, and those matched by their payment's
    /// reference (found through the payments' index).
    fn match_branches(&self) -> Vec<Branch> {
        let exceptions_only =
            matches!(self.class, Some(class) if class != "match") || self.filter.reason.is_some();
        if exceptions_only {
            return Vec::new();
        }
        let branch = |condition, reference| Branch {
            table: "match_item",
            condition,
            reference,
            no_stored_matches: false,
        };
        if self.filter.reference.is_some() {
            vec![branch(None, "own_reference"), branch(Some("own_reference IS NULL"), "payment_reference")]
        } else {
            vec![branch(None, "reference")]
        }
    }

    fn order_by(&self) -> &'static str {
        match (self.order, self.descending) {
            (ItemOrder::Seq, false) => " ORDER BY seq",
            (ItemOrder::Seq, true) => " ORDER BY seq DESC",
            (_, false) => " ORDER BY amount_minor, seq",
            (_, true) => " ORDER BY amount_minor DESC, seq DESC",
        }
    }

    fn push_branch(&self, q: &mut QueryBuilder<'static, Postgres>, branch: &Branch) {
        let (filter, run_id) = (self.filter, self.run_id);
        q.push(format!("SELECT {ITEM_COLUMNS} FROM {} WHERE run_id = ", branch.table));
        q.push_bind(run_id);
        if let Some(condition) = branch.condition {
            q.push(format!(" AND {condition}"));
        }
        if branch.no_stored_matches {
            q.push(" AND NOT (SELECT matches_apart FROM recon_run WHERE id = ").push_bind(run_id).push(")");
        }
        // A known class is written into the statement, not bound: PostgreSQL may settle on one
        // plan for a prepared statement whatever its parameters, and only a plan that knows the
        // class can use the exceptions-only indexes (matches are read from the primary key).
        let known_class = match self.class {
            Some(known @ ("match" | "mismatch" | "resettlement")) => Some(known),
            _ => None,
        };
        if let Some(known) = known_class {
            q.push(format!(" AND class = '{known}'"));
        }
        let mut equal = |column: &str, value: Option<&str>| {
            if let Some(value) = value {
                q.push(format!(" AND {column} = ")).push_bind(value.to_owned());
            }
        };
        if known_class.is_none() {
            equal("class", self.class);
        }
        equal("reason", filter.reason.as_deref());
        equal(branch.reference, filter.reference.as_deref());
        equal("card_last4", filter.last4.as_deref());
        equal("payment_id", filter.payment_id.as_deref());
        if let Some(network) = &filter.network {
            // A network's items are one range of seq (`recon_run_network`): a page of them is read
            // from the primary key within it (there is no index of items by network). A run that
            // has no ranges at all was completed by a binary from before migration 0016 (one still
            // serving while it was applied): its network filter reads the whole run.
            q.push(" AND network = ").push_bind(network.clone());
            for (bound, column, whole_run) in
                [(" AND seq BETWEEN ", "first_seq", 0), (" AND ", "last_seq", i64::MAX)]
            {
                q.push(format!("{bound}coalesce((SELECT {column} FROM recon_run_network WHERE run_id = "))
                    .push_bind(run_id)
                    .push(" AND network = ")
                    .push_bind(network.clone())
                    .push(format!("), (SELECT {whole_run}::bigint WHERE NOT EXISTS (SELECT 1 FROM recon_run_network WHERE run_id = "))
                    .push_bind(run_id)
                    .push(")))");
            }
        }
        if let Some(currency) = filter.currency {
            q.push(" AND currency = ").push_bind(currency.code());
        }
        if let Some(min) = filter.min_minor {
            q.push(" AND amount_minor >= ").push_bind(min);
        }
        if let Some(max) = filter.max_minor {
            q.push(" AND amount_minor <= ").push_bind(max);
        }
        if let Some(c) = self.cursor {
            let beyond = if self.descending { " < " } else { " > " };
            match self.order {
                ItemOrder::Seq => {
                    q.push(format!(" AND seq{beyond}")).push_bind(c.seq);
                }
                ItemOrder::AmountAscending | ItemOrder::AmountDescending => {
                    q.push(format!(" AND (amount_minor, seq){beyond}("))
                        .push_bind(c.amount_minor)
                        .push(", ")
                        .push_bind(c.seq)
                        .push(")");
                }
            }
        }
        q.push(self.order_by());
        q.push(" LIMIT ").push_bind(self.limit);
    }
}

/// The manifest a completed run wrote.
pub async fn manifest(pool: &PgPool, run_id: i64) -> Result<serde_json::Value, sqlx::Error> {
    let manifest = sqlx::query_scalar!(
        r#"SELECT manifest AS "manifest!" FROM recon_run WHERE id = $1 AND status = 'completed'"#,
        run_id
    )
    .fetch_one(pool)
    .await?;
    Ok(manifest)
}

/// A network record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub file_key: String,
    pub record_number: i64,
    pub network: String,
    pub kind: String,
    pub reference: String,
    pub card_last4: String,
    pub amount_minor: i64,
    pub currency: String,
    pub settlement_minor: i64,
    pub settlement_currency: String,
    pub approval_code: String,
    pub transaction_date: NaiveDate,
    pub merchant_category: i32,
    pub reason_code: Option<String>,
}

/// A Zelle payment as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoredPayment {
    pub payment_id: String,
    pub business_date: NaiveDate,
    pub initiated_at: DateTime<Utc>,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub network: String,
    pub network_reference: Option<String>,
    pub card_last4: String,
    pub approval_code: String,
}

/// Whether a network record of `kind` and a Zelle payment in `status` tell the same story, said
/// by two parties in their own words. A presentment or disbursement (the network moved the money)
/// agrees with a payment that completed or is still pending, and so does a fee charged on it; a
/// reversal or chargeback (the network undid or disputed it) contradicts a completed or pending
/// payment; and a payment that failed or was reversed contradicts any record that settled.
pub fn kind_agrees_with_status(kind: RecordKind, status: PaymentStatus) -> bool {
    match status {
        PaymentStatus::Failed | PaymentStatus::Reversed => false,
        PaymentStatus::Completed | PaymentStatus::Pending => {
            matches!(kind, RecordKind::Presentment | RecordKind::Disbursement | RecordKind::Fee)
        }
    }
}

/// [`kind_agrees_with_status`] on the stored codes; a code it does not know never agrees.
pub fn record_agrees_with_payment(kind: &str, status: &str) -> bool {
    match (RecordKind::from_code(kind), PaymentStatus::from_code(status)) {
        (Some(kind), Some(status)) => kind_agrees_with_status(kind, status),
        _ => false,
    }
}

/// An item with both sides of it and its work item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDetail {
    pub item: ItemRow,
    pub business_date: NaiveDate,
    pub version: i32,
    pub record: Option<StoredRecord>,
    pub payment: Option<StoredPayment>,
    pub work_item_id: Option<i64>,
    /// For a record that could not be read: where it is, what is wrong, and the record itself.
    pub unreadable: Option<UnreadableDetail>,
}

/// A network record that could not be read, as its item's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadableDetail {
    pub file_key: String,
    pub record_number: i64,
    pub field: String,
    pub problem: String,
    /// The record as text, its card number masked (stored so: `feed_issue.masked`).
    pub raw_text: String,
}

/// One item with its run, network record, Zelle payment and work item, in one round trip (on a busy
/// day every round trip waits its turn for the CPU: five of them made this the slowest page).
pub async fn detail(pool: &PgPool, run_id: i64, seq: i64) -> Result<Option<ItemDetail>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT i.run_id AS "run_id!", i.seq AS "seq!", i.class AS "class!", i.reason, i.network AS "network!",
                  i.reference, i.card_last4 AS "card_last4!", i.transaction_date AS "transaction_date!: NaiveDate",
                  i.amount_minor AS "amount_minor!", i.currency AS "currency!",
                  i.settlement_minor, i.settlement_currency, i.approval_code, i.payment_id, i.feed_file_id,
                  i.record_number, run.business_date AS "business_date: NaiveDate", run.version,
                  f.object_key AS "r_file_key?", i.kind AS "r_kind?", i.merchant_category AS "r_merchant_category?",
                  i.reason_code AS "r_reason_code?",
                  p.payment_id AS "p_payment_id?", p.business_date AS "p_business_date?: NaiveDate",
                  p.initiated_at AS "p_initiated_at?: DateTime<Utc>", p.status AS "p_status?",
                  p.amount_minor AS "p_amount_minor?", p.currency AS "p_currency?", p.network AS "p_network?",
                  p.network_reference AS "p_network_reference?", p.card_last4 AS "p_card_last4?",
                  p.approval_code AS "p_approval_code?", w.id AS "work_item_id?",
                  u.field AS "u_field?", u.problem AS "u_problem?", u.raw AS "u_raw?"
           FROM run_item i
           JOIN recon_run run ON run.id = i.run_id
           LEFT JOIN feed_file f ON f.id = i.feed_file_id
           LEFT JOIN feed_issue u ON i.reason = 'unreadable_record' AND u.feed_file_id = i.feed_file_id
                                 AND u.record_number = i.record_number AND u.masked
           LEFT JOIN LATERAL (
               SELECT zp.* FROM zelle_payment zp JOIN feed_file zf ON zf.id = zp.feed_file_id AND zf.status = 'parsed'
               WHERE zp.payment_id = i.payment_id
               ORDER BY zp.business_date DESC LIMIT 1) p ON true
           LEFT JOIN work_item w ON w.run_id = i.run_id AND w.seq = i.seq
           WHERE i.run_id = $1 AND i.seq = $2"#,
        run_id,
        seq
    )
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    // A network record's fields are the item's own (runs read the files; the item keeps what the
    // record said).
    let record = (|| {
        Some(StoredRecord {
            file_key: r.r_file_key.clone()?,
            record_number: r.record_number?,
            network: r.network.clone(),
            kind: r.r_kind.clone()?,
            reference: r.reference.clone()?,
            card_last4: r.card_last4.clone(),
            amount_minor: r.amount_minor,
            currency: r.currency.clone(),
            settlement_minor: r.settlement_minor?,
            settlement_currency: r.settlement_currency.clone()?,
            approval_code: r.approval_code.clone().unwrap_or_default(),
            transaction_date: r.transaction_date,
            merchant_category: r.r_merchant_category?,
            reason_code: r.r_reason_code.clone(),
        })
    })();
    let payment = (|| {
        Some(StoredPayment {
            payment_id: r.p_payment_id.clone()?,
            business_date: r.p_business_date?,
            initiated_at: r.p_initiated_at?,
            status: r.p_status.clone()?,
            amount_minor: r.p_amount_minor?,
            currency: r.p_currency.clone()?,
            network: r.p_network.clone()?,
            network_reference: r.p_network_reference.clone(),
            card_last4: r.p_card_last4.clone()?,
            approval_code: r.p_approval_code.clone()?,
        })
    })();
    let unreadable = (|| {
        let network = crate::feeds::Network::from_code(&r.network)?;
        Some(UnreadableDetail {
            file_key: r.r_file_key.clone()?,
            record_number: r.record_number?,
            field: r.u_field.clone()?,
            problem: r.u_problem.clone()?,
            raw_text: crate::feeds::raw_as_text(network, r.u_raw.as_deref()?),
        })
    })();
    Ok(Some(ItemDetail {
        unreadable,
        item: ItemRow {
            run_id: r.run_id,
            seq: r.seq,
            class: r.class,
            reason: r.reason,
            network: r.network,
            reference: r.reference,
            card_last4: r.card_last4,
            transaction_date: r.transaction_date,
            amount_minor: r.amount_minor,
            currency: r.currency,
            settlement_minor: r.settlement_minor,
            settlement_currency: r.settlement_currency,
            approval_code: r.approval_code,
            payment_id: r.payment_id,
            feed_file_id: r.feed_file_id,
            record_number: r.record_number,
        },
        business_date: r.business_date,
        version: r.version,
        record,
        payment,
        work_item_id: r.work_item_id,
    }))
}

/// The help desk's question: where is this payment? By payment id, by network reference, or by
/// the card's last four digits, the amount and the business date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lookup {
    PaymentId(String),
    Reference(String),
    CardAmountDate { last4: String, amount: Money, date: NaiveDate },
}

/// A payment found, with what reconciliation made of it and the work on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub payment: StoredPayment,
    /// The newest item about it: (run id, seq, class, reason).
    pub latest_item: Option<(i64, i64, String, Option<String>)>,
    pub work_item: Option<(i64, String)>,
}

pub async fn lookup(pool: &PgPool, question: &Lookup) -> Result<Vec<Found>, sqlx::Error> {
    let payments = match question {
        Lookup::PaymentId(id) => payments_where(pool, Some(id), None, None).await?,
        Lookup::Reference(reference) => payments_where(pool, None, Some(reference), None).await?,
        Lookup::CardAmountDate { last4, amount, date } => {
            payments_where(pool, None, None, Some((last4, *amount, *date))).await?
        }
    };
    let payments: Vec<StoredPayment> = payments.into_iter().take(50).collect();
    // Each payment's newest item and its work item, in one query for all of them.
    let ids: Vec<String> = payments.iter().map(|p| p.payment_id.clone()).collect();
    let mut latest: std::collections::HashMap<String, _> = sqlx::query!(
        r#"SELECT DISTINCT ON (i.payment_id) i.payment_id AS "payment_id!", i.run_id AS "run_id!", i.seq AS "seq!",
                  i.class AS "class!", i.reason,
                  w.id AS "work_id?", w.status AS "work_status?"
           FROM run_item i
           JOIN recon_run r ON r.id = i.run_id AND r.status = 'completed'
           LEFT JOIN work_item w ON w.run_id = i.run_id AND w.seq = i.seq
           WHERE i.payment_id = ANY($1)
           ORDER BY i.payment_id, r.business_date DESC, r.version DESC, i.seq"#,
        &ids
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|l| (l.payment_id.clone(), l))
    .collect();
    let found = payments
        .into_iter()
        .map(|payment| {
            let l = latest.remove(&payment.payment_id);
            Found {
                work_item: l.as_ref().and_then(|l| Some((l.work_id?, l.work_status.clone()?))),
                latest_item: l.map(|l| (l.run_id, l.seq, l.class, l.reason)),
                payment,
            }
        })
        .collect();
    Ok(found)
}

async fn payments_where(
    pool: &PgPool,
    payment_id: Option<&str>,
    reference: Option<&str>,
    card: Option<(&str, Money, NaiveDate)>,
) -> Result<Vec<StoredPayment>, sqlx::Error> {
    // Exactly one question per query, each with its own index (an OR of all three would leave the
    // planner a sequential scan).
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT DISTINCT ON (p.payment_id) p.payment_id, p.business_date, p.initiated_at, p.status, p.amount_minor, \
         p.currency, p.network, p.network_reference, p.card_last4, p.approval_code \
         FROM zelle_payment p JOIN feed_file f ON f.id = p.feed_file_id AND f.status = 'parsed' WHERE ",
    );
    match (payment_id, reference, card) {
        (Some(id), _, _) => {
            q.push("p.payment_id = ").push_bind(id.to_owned());
        }
        (None, Some(reference), _) => {
            q.push("p.network_reference = ").push_bind(reference.to_owned());
        }
        (None, None, Some((last4, amount, date))) => {
            q.push("p.business_date = ")
                .push_bind(date)
                .push(" AND p.card_last4 = ")
                .push_bind(last4.to_owned())
                .push(" AND p.amount_minor = ")
                .push_bind(amount.minor())
                .push(" AND p.currency = ")
                .push_bind(amount.currency().code());
        }
        (None, None, None) => return Ok(Vec::new()),
    }
    q.push(" ORDER BY p.payment_id, p.business_date DESC LIMIT 51");
    q.build_query_as().fetch_all(pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_and_a_payment_disagree_only_when_their_stories_do() {
        use PaymentStatus::*;
        use RecordKind::*;
        // The same payment said by the network and by Zelle.
        for kind in [Presentment, Disbursement, Fee] {
            assert!(kind_agrees_with_status(kind, Completed), "{kind:?}");
            assert!(kind_agrees_with_status(kind, Pending), "{kind:?}");
        }
        // The network undid or disputed what Zelle says went through.
        for kind in [Reversal, Chargeback] {
            assert!(!kind_agrees_with_status(kind, Completed), "{kind:?}");
            assert!(!kind_agrees_with_status(kind, Pending), "{kind:?}");
        }
        // Zelle says it did not go through; the network settled it anyway.
        for kind in [Presentment, Disbursement, Reversal, Chargeback, Fee] {
            assert!(!kind_agrees_with_status(kind, Failed), "{kind:?}");
            assert!(!kind_agrees_with_status(kind, Reversed), "{kind:?}");
        }
        assert!(record_agrees_with_payment("presentment", "completed"));
        assert!(!record_agrees_with_payment("chargeback", "completed"));
        assert!(!record_agrees_with_payment("presentment", "failed"));
        assert!(!record_agrees_with_payment("someday", "completed"));
    }

    fn run_with(counts: serde_json::Value) -> CompletedRun {
        CompletedRun { id: 1, version: 1, counts, items_retired_at: None }
    }

    #[test]
    fn a_filter_of_class_and_reason_is_counted_from_the_run() {
        let run = run_with(serde_json::json!({
            "match": 970, "mismatch/amount_differs": 7, "mismatch/zelle_only": 3, "resettlement/chargeback": 2
        }));
        let counts = run.reason_counts();
        assert_eq!(counts.len(), 4);
        assert_eq!(counts[0], ReasonCount { class: "match".into(), reason: None, items: 970 });
        assert_eq!(counts[1].reason.as_deref(), Some("amount_differs"));
        let selected = |class: Option<&str>, reason: Option<&str>| {
            run.items_selected(&ItemFilter {
                class: class.map(str::to_owned),
                reason: reason.map(str::to_owned),
                ..ItemFilter::default()
            })
        };
        assert_eq!(selected(None, None), Some(982));
        assert_eq!(selected(Some("mismatch"), None), Some(10));
        assert_eq!(selected(Some("match"), None), Some(970));
        assert_eq!(selected(None, Some("zelle_only")), Some(3));
        assert_eq!(selected(Some("mismatch"), Some("chargeback")), Some(0));
        // Anything narrower is not in the counts.
        let by_network = ItemFilter { network: Some("visa".into()), ..ItemFilter::default() };
        assert_eq!(run.items_selected(&by_network), None);
        assert_eq!(run_with(serde_json::json!("unreadable")).items_selected(&ItemFilter::default()), Some(0));
        // Retired items: the counts no longer say what is stored.
        let retired = CompletedRun { items_retired_at: Some(Utc::now()), ..run };
        assert_eq!(retired.items_selected(&ItemFilter::default()), None);
    }

    /// The statement, its parameters' numbers left out (how many there are is not the point).
    fn statement(order: ItemOrder, page: Page) -> String {
        let sql = browse_query(7, &ItemFilter::default(), order, page, 51).sql().to_owned();
        let mut out = String::new();
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '$' {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
            }
        }
        out
    }

    #[test]
    fn a_page_before_a_row_walks_the_same_order_backwards() {
        let c = Cursor { amount_minor: 500, seq: 12 };
        assert!(statement(ItemOrder::Seq, Page::First).ends_with("ORDER BY seq LIMIT $"));
        let after = statement(ItemOrder::Seq, Page::After(c));
        assert!(after.contains("AND seq > $") && after.ends_with("ORDER BY seq LIMIT $"), "{after}");
        let before = statement(ItemOrder::Seq, Page::Before(c));
        assert!(before.contains("AND seq < $") && before.ends_with("ORDER BY seq DESC LIMIT $"), "{before}");
        assert!(!before.contains("seq >"), "{before}");
        let up = statement(ItemOrder::AmountAscending, Page::Before(c));
        // Each table's part walks its own index the same way round.
        assert_eq!(
            up.matches("(amount_minor, seq) < ($, $) ORDER BY amount_minor DESC, seq DESC LIMIT $").count(),
            2,
            "{up}"
        );
        assert!(up.ends_with(") i ORDER BY amount_minor DESC, seq DESC LIMIT $"), "{up}");
        let down = statement(ItemOrder::AmountDescending, Page::Before(c));
        assert!(down.contains("(amount_minor, seq) > ($, $)"), "{down}");
        assert!(down.ends_with("ORDER BY amount_minor, seq LIMIT $"), "{down}");
        let down_after = statement(ItemOrder::AmountDescending, Page::After(c));
        assert!(down_after.contains("(amount_minor, seq) < ($, $)"), "{down_after}");
        assert!(down_after.ends_with("ORDER BY amount_minor DESC, seq DESC LIMIT $"), "{down_after}");
    }
}
