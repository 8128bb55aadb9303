//! The Zelle payments a run matches against: those of the run's date and the days before it
//! (within [`OPEN_PAYMENT_DAYS`]) that no completed run of another date consumed.
//!
//! They are read from PostgreSQL, except the payments of the run's date in a Zelle extract that
//! ingestion has just read in the same process: those it kept while reading ([`TakenPayments`]),
//! and the run does not read them back (10 million payments took PostgreSQL 27-30 s to send).

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::postgres::PgPoolCopyExt;
use sqlx::PgPool;

use super::error::RunError;
use super::keys::PaymentKeys;
use super::report::PaymentView;
use crate::db::{BinaryRowReader, NextRow};
use crate::feeds::zelle::{PaymentStatus, ZellePayment};
use crate::feeds::{CardRef, Network};
use crate::money::{Currency, Money};

/// How far back open Zelle payments are considered (beyond any grace period and date window).
const OPEN_PAYMENT_DAYS: i64 = 10;

fn money(minor: i64, currency: &str) -> Result<Money, RunError> {
    Currency::from_code(currency)
        .map(|c| Money::from_minor(minor, c))
        .ok_or_else(|| RunError::Corrupt(format!("unknown currency '{currency}' in stored data")))
}

fn network(code: &str) -> Result<Network, RunError> {
    Network::from_code(code).ok_or_else(|| RunError::Corrupt(format!("unknown network '{code}'")))
}

/// The Zelle payments a run matches against, in ascending payment id: their compact keys, and
/// besides only their ids and where they are stored (for the rows of the reports).
#[derive(Default)]
pub struct OpenPayments {
    pub keys: Vec<PaymentKeys>,
    /// Every payment id, one after the other; `id_ends[i]` is where payment `i`'s id ends.
    ids: String,
    id_ends: Vec<usize>,
    /// (feed file, line) of each payment.
    stored_at: Vec<(i64, i64)>,
}

/// The payments of the run's date in the Zelle extracts ingestion has just loaded, kept as it read
/// them (one per file, see `day_files::DayReading`).
pub struct TakenPayments {
    pub feed_file_id: i64,
    payments: OpenPayments,
    /// How many of the file's payments were of another date, and so not kept.
    not_kept: u64,
}

impl TakenPayments {
    /// For a file of at most `expected` payments (reserved at once: see `day_files::most_records`).
    pub fn new(feed_file_id: i64, expected: usize) -> TakenPayments {
        let payments = OpenPayments {
            keys: Vec::with_capacity(expected),
            // Room for ids of up to 32 characters (a UUID's hex digits; ours are 22): grown by
            // doubling instead, 10 million ids were copied and faulted in over and over.
            ids: String::with_capacity(expected.saturating_mul(32)),
            id_ends: Vec::with_capacity(expected),
            stored_at: Vec::with_capacity(expected),
        };
        TakenPayments { feed_file_id, payments, not_kept: 0 }
    }

    /// Keeps `payment` (line `payment.line` of this file) if it belongs to `date`. Payments of other
    /// dates in the file are left to PostgreSQL: an earlier date's run may have consumed them.
    pub fn keep(&mut self, date: NaiveDate, payment: &ZellePayment) {
        if payment.business_date == date {
            self.payments.push((self.feed_file_id, payment.line as i64), payment);
        } else {
            self.not_kept += 1;
        }
    }
}

impl OpenPayments {
    /// Zelle payments of the last days that no network record of another date's newest completed
    /// run consumed: `taken` (the date's payments in files just ingested) and the rest from PostgreSQL.
    pub async fn load(
        pool: &PgPool,
        date: NaiveDate,
        taken: Vec<TakenPayments>,
    ) -> Result<OpenPayments, RunError> {
        let since = date - chrono::Duration::days(OPEN_PAYMENT_DAYS);
        let until = date + chrono::Duration::days(OPEN_PAYMENT_DAYS);
        // A run of date E reads only payments of E and the days before, so only runs of the dates
        // since `since` and until `until` can have consumed one of these. Naming them lets
        // PostgreSQL look in their partitions alone: probing every run's items (a re-run of a 10M
        // day probed the day's earlier version for each payment) took a minute. Each date counts
        // by its newest completed version (an older version's matches were superseded), and a
        // later date counts too: run before this date (its files came late, or this is a re-run),
        // it may have taken a payment of this date or before, which is then not open here. The
        // date's own runs are left out: a new version decides its matches again.
        let other_dates = sqlx::query!(
            r#"SELECT DISTINCT ON (business_date) id, business_date AS "business_date: NaiveDate" FROM recon_run
               WHERE status = 'completed' AND business_date BETWEEN $1 AND $2 AND business_date <> $3
               ORDER BY business_date, version DESC"#,
            since as _,
            until as _,
            date as _
        )
        .fetch_all(pool)
        .await?;
        let other_dates_runs: Vec<i64> = other_dates.iter().map(|run| run.id).collect();
        // What ingestion kept of the date's payments was never checked against other runs: when a
        // later date has run, they are read from PostgreSQL like the rest, through that check (the
        // rare case of a late file or a re-run; the daily run reads them from memory).
        let taken = if other_dates.iter().any(|run| run.business_date > date) { Vec::new() } else { taken };
        let not_consumed = if other_dates_runs.is_empty() {
            String::new()
        } else {
            // A record took it: as an exception (or an older run's match) in recon_item, or as a
            // compact match of the same payment id, listed in this extract or another (a payment
            // listed again in a later extract is the same payment). The extracts those runs could
            // have read are named, so that PostgreSQL looks in their partitions alone.
            let runs = listed(&other_dates_runs);
            let margin = chrono::Duration::days(2 * OPEN_PAYMENT_DAYS);
            let extracts: Vec<i64> = sqlx::query_scalar!(
                "SELECT id FROM feed_file WHERE source = 'zelle' AND status = 'parsed' AND business_date BETWEEN $1 AND $2",
                (since - margin) as _,
                (until + margin) as _
            )
            .fetch_all(pool)
            .await?;
            let compact = if extracts.is_empty() {
                String::new()
            } else {
                format!(
                    "AND NOT EXISTS (SELECT 1 FROM zelle_payment q JOIN recon_match m
                                       ON m.payment_file_id = q.feed_file_id AND m.payment_line = q.line
                                     WHERE q.feed_file_id IN ({}) AND q.payment_id = p.payment_id AND m.run_id IN ({runs}))",
                    listed(&extracts)
                )
            };
            format!(
                "AND NOT EXISTS (SELECT 1 FROM recon_item i WHERE i.run_id IN ({runs}) AND i.payment_id = p.payment_id \
                                 AND i.feed_file_id IS NOT NULL) {compact}"
            )
        };
        // A file whose every payment was taken is left out by its partition key, which prunes its
        // partition from the plan: a filter on the rows read the whole partition of a
        // 10-million-payment day to return none (0.9 s while the run waited). A file that also
        // held payments of other dates is read for those.
        let (whole, partly): (Vec<&TakenPayments>, Vec<&TakenPayments>) =
            taken.iter().partition(|t| t.not_kept == 0);
        let files =
            |taken: &[&TakenPayments]| listed(&taken.iter().map(|t| t.feed_file_id).collect::<Vec<_>>());
        let mut not_taken = String::new();
        if !whole.is_empty() {
            not_taken.push_str(&format!("AND p.feed_file_id NOT IN ({})", files(&whole)));
        }
        if !partly.is_empty() {
            not_taken.push_str(&format!(
                " AND NOT (p.feed_file_id IN ({}) AND p.business_date = DATE '{date}')",
                files(&partly)
            ));
        }
        // Read in storage order and sorted here (sorting ten million rows by payment id cost
        // PostgreSQL a sort on disk), and through a binary COPY (the row-by-row protocol took
        // 27 s for ten million rows). COPY takes no parameters: the dates, file and run ids (our
        // own numbers) are written in.
        let statement = format!(
            "COPY (SELECT p.feed_file_id, p.line, p.payment_id, p.business_date, p.initiated_at, p.status, \
                          p.amount_minor, p.currency, p.network, p.network_reference, p.card_last4, \
                          p.card_fingerprint, p.approval_code
                   FROM zelle_payment p JOIN feed_file f ON f.id = p.feed_file_id
                   WHERE f.status = 'parsed' AND p.business_date BETWEEN DATE '{since}' AND DATE '{date}'
                     {not_consumed} {not_taken})
             TO STDOUT (FORMAT binary)"
        );
        let mut chunks = pool.copy_out_raw(&statement).await?;
        let mut open = OpenPayments::default();
        for part in taken {
            open.append(part.payments);
        }
        let mut rows = BinaryRowReader::default();
        let mut ended = false;
        let unreadable = |e: String| RunError::Corrupt(format!("open Zelle payments: {e}"));
        while let Some(chunk) = chunks.try_next().await? {
            rows.extend(&chunk);
            loop {
                match rows.next_row().map_err(unreadable)? {
                    NextRow::Row => {}
                    NextRow::NeedMore => break,
                    NextRow::End => {
                        ended = true;
                        break;
                    }
                }
                let row = PaymentRow::copied(&rows).map_err(unreadable)?;
                let stored_at = (row.feed_file_id, row.line);
                open.push(stored_at, &row.into_payment()?);
            }
        }
        if !ended {
            return Err(unreadable("the stream ended before its trailer".into()));
        }
        tokio::task::spawn_blocking(move || open.sorted()).await.map_err(|e| RunError::Corrupt(e.to_string()))
    }

    fn push(&mut self, stored_at: (i64, i64), payment: &ZellePayment) {
        self.keys.push(PaymentKeys::of(payment));
        self.ids.push_str(&payment.payment_id);
        self.id_ends.push(self.ids.len());
        self.stored_at.push(stored_at);
    }

    fn append(&mut self, other: OpenPayments) {
        if self.keys.is_empty() {
            *self = other;
            return;
        }
        let base = self.ids.len();
        self.keys.extend(other.keys);
        self.ids.push_str(&other.ids);
        self.id_ends.extend(other.id_ends.into_iter().map(|end| base + end));
        self.stored_at.extend(other.stored_at);
    }

    /// The same payments in ascending payment id (then where they are stored, so that the order
    /// never depends on how PostgreSQL happened to return them). Rearranged in place: the keys of
    /// a heavy day are hundreds of megabytes.
    fn sorted(mut self) -> OpenPayments {
        let mut order: Vec<u32> = (0..self.keys.len() as u32).collect();
        order.sort_unstable_by(|a, b| {
            let (a, b) = (*a as usize, *b as usize);
            self.id(a).cmp(self.id(b)).then(self.stored_at[a].cmp(&self.stored_at[b]))
        });
        let mut ids = String::with_capacity(self.ids.len());
        let mut id_ends = Vec::with_capacity(self.id_ends.len());
        for &i in &order {
            ids.push_str(self.id(i as usize));
            id_ends.push(ids.len());
        }
        permute(&mut self.keys, &order);
        permute(&mut self.stored_at, &order);
        OpenPayments { keys: self.keys, ids, id_ends, stored_at: self.stored_at }
    }

    /// Payment `i`'s id.
    fn id(&self, i: usize) -> &str {
        &self.ids[if i == 0 { 0 } else { self.id_ends[i - 1] }..self.id_ends[i]]
    }

    /// Where payment `i` is stored: its extract's feed file and line.
    pub fn stored_at(&self, i: usize) -> (i64, i64) {
        self.stored_at[i]
    }

    pub fn view(&self, i: usize) -> Result<PaymentView<'_>, RunError> {
        let keys = &self.keys[i];
        let currency = Currency::from_numeric(keys.amount.currency)
            .ok_or_else(|| RunError::Corrupt(format!("unknown currency {}", keys.amount.currency)))?;
        Ok(PaymentView {
            payment_id: self.id(i),
            amount: Money::from_minor(keys.amount.minor, currency),
            status: keys.status,
        })
    }

    /// The full rows of the payments at `indexes` (ascending), in the same order.
    pub async fn details(&self, pool: &PgPool, indexes: &[usize]) -> Result<Vec<ZellePayment>, RunError> {
        let (files, lines): (Vec<i64>, Vec<i64>) = indexes.iter().map(|i| self.stored_at[*i]).unzip();
        let rows = sqlx::query_as!(
            PaymentRow,
            r#"SELECT p.feed_file_id, p.line, p.payment_id, p.business_date AS "business_date: NaiveDate",
                      p.initiated_at AS "initiated_at: DateTime<Utc>", p.status, p.amount_minor, p.currency, p.network,
                      p.network_reference, p.card_last4, p.card_fingerprint, p.approval_code
               FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS wanted (feed_file_id, line, position)
               JOIN zelle_payment p ON p.feed_file_id = wanted.feed_file_id AND p.line = wanted.line
               ORDER BY wanted.position"#,
            &files,
            &lines
        )
        .fetch_all(pool)
        .await?;
        if rows.len() != indexes.len() {
            return Err(RunError::Corrupt("Zelle payments disappeared while the run read them".into()));
        }
        rows.into_iter().map(PaymentRow::into_payment).collect()
    }
}

/// Numbers of our own, for a statement.
fn listed(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// Rearranges `items` so that position `k` holds what was at `order[k]` (`order` a permutation),
/// following each cycle of the permutation with swaps.
fn permute<T>(items: &mut [T], order: &[u32]) {
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        let mut k = start;
        while !placed[k] {
            placed[k] = true;
            let from = order[k] as usize;
            if from == start {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

/// A stored Zelle payment, as the run reads it.
struct PaymentRow {
    feed_file_id: i64,
    line: i64,
    payment_id: String,
    business_date: NaiveDate,
    initiated_at: DateTime<Utc>,
    status: String,
    amount_minor: i64,
    currency: String,
    network: String,
    network_reference: Option<String>,
    card_last4: String,
    card_fingerprint: String,
    approval_code: String,
}

impl PaymentRow {
    /// The current row of a binary COPY of the payment columns, in `PaymentRow`'s field order.
    fn copied(row: &BinaryRowReader) -> Result<PaymentRow, String> {
        Ok(PaymentRow {
            feed_file_id: row.int8(0)?,
            line: row.int8(1)?,
            payment_id: row.text(2)?.to_owned(),
            business_date: row.date(3)?,
            initiated_at: row.timestamptz(4)?,
            status: row.text(5)?.to_owned(),
            amount_minor: row.int8(6)?,
            currency: row.text(7)?.to_owned(),
            network: row.text(8)?.to_owned(),
            network_reference: row.optional_text(9)?.map(str::to_owned),
            card_last4: row.text(10)?.to_owned(),
            card_fingerprint: row.text(11)?.to_owned(),
            approval_code: row.text(12)?.to_owned(),
        })
    }

    fn into_payment(self) -> Result<ZellePayment, RunError> {
        let status = PaymentStatus::from_code(&self.status)
            .ok_or_else(|| RunError::Corrupt(format!("unknown payment status '{}'", self.status)))?;
        Ok(ZellePayment {
            line: self.line as u64,
            payment_id: self.payment_id,
            business_date: self.business_date,
            initiated_at: self.initiated_at,
            status,
            amount: money(self.amount_minor, &self.currency)?,
            network: network(&self.network)?,
            network_reference: self.network_reference,
            card: CardRef { last4: self.card_last4, fingerprint: self.card_fingerprint },
            approval_code: self.approval_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permutation_rearranges_every_cycle() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        let order = [3u32, 0, 1, 2, 5, 4]; // a 4-cycle, a 2-cycle
        permute(&mut items, &order);
        assert_eq!(items, vec!['d', 'a', 'b', 'c', 'f', 'e']);
        let mut same = vec![1, 2, 3];
        permute(&mut same, &[0, 1, 2]);
        assert_eq!(same, vec![1, 2, 3]);
    }
}
