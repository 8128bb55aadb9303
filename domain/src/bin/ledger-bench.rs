//! Ledger benchmark: approved batches posted by concurrent clients into PostgreSQL. Prints
//! figures; asserts nothing. Needs DATABASE_URL (a migrated, throwaway database).
//!
//! ```text
//! scripts/bench-ledger.sh        # starts a throwaway cluster and runs this
//! ledger-bench [--clients 16] [--seconds 10] [--flush-ms 0]
//! ```
//!
//! Two modes, each over 1,000 accounts and then on 10 hot accounts: one transfer per database
//! transaction (as an approval posts), and batches of 50 (as an approver releasing a day's
//! resettlements does). Each client posts until the time is up. Afterwards every account's
//! chain of balances after each posting is checked, and the balances' sum.
//!
//! `--flush-ms N` makes each commit's disk flush take N ms longer (PostgreSQL's `commit_delay`,
//! which sleeps before the flush while holding the WAL writer lock, so it behaves like a slower
//! disk: commits that arrive meanwhile share the flush). This machine's disk flushes in tens of
//! microseconds, so without it the figures measure the CPU, not how commits share a flush.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use domain::ledger::posting::{post_batch, Line, NewTransaction};
use domain::money::{Currency, Money};
use rand::{Rng, SeedableRng};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (clients, seconds, flush_ms) =
        (arg("--clients", 16) as usize, arg("--seconds", 10), arg("--flush-ms", 0));
    let url = std::env::var("DATABASE_URL")?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(clients as u32 + 2)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                use sqlx::Executor;
                // commit_siblings 0: delay every flush, not only when five others are active.
                conn.execute(
                    format!("SET commit_delay = {}; SET commit_siblings = 0", flush_ms * 1000).as_str(),
                )
                .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    domain::db::migrate(&pool).await?;
    let usd = Currency::from_code("USD").expect("USD is known");
    let ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO ledger_account (code, name, kind, currency, created_by)
         SELECT 'bench_' || n, 'Bench ' || n, 'asset', 'USD', 'bench' FROM generate_series(1, 1000) n
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id",
    )
    .fetch_all(&pool)
    .await?;
    // Keys are unique to this run: on a database that kept an earlier run's transactions, the same
    // key would name different content (the content behind a key depended on --batch), which the
    // ledger rightly refuses as KeyReused, and a key it had seen would replay instead of post.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let disk = if flush_ms == 0 {
        "this machine's disk".to_owned()
    } else {
        format!("each flush {flush_ms} ms longer")
    };
    println!("ledger-bench: {clients} clients, {seconds} s per run, 2 cores, durable commits, {disk}");
    let runs = [1usize, 50].into_iter().flat_map(|batch| {
        [("1,000 accounts", ids.clone()), ("10 hot accounts", ids[..10].to_vec())].map(|r| (batch, r))
    });
    for (batch, (label, accounts)) in runs {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (pool, accounts) = (pool.clone(), accounts.clone());
            let label = format!("{label}-{batch}-{run}");
            tasks.push(tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
                let (mut postings, mut latencies) = (0u64, Vec::new());
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let txs: Vec<NewTransaction> = (0..batch)
                        .map(|i| {
                            let from = accounts[rng.gen_range(0..accounts.len())];
                            let mut to = accounts[rng.gen_range(0..accounts.len())];
                            if to == from {
                                to = accounts[(accounts.iter().position(|a| *a == from).unwrap() + 1)
                                    % accounts.len()];
                            }
                            let amount = rng.gen_range(1..100_000);
                            NewTransaction {
                                idempotency_key: format!("{label}-{client}-{n}-{i}"),
                                effective_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                                description: "bench".into(),
                                work_item: None,
                                initiated_by: "maker".into(),
                                approved_by: "checker".into(),
                                initiated_by_person: None,
                                approved_by_persons: Vec::new(),
                                reverses: None,
                                lines: vec![
                                    Line { account: from, amount: Money::from_minor(-amount, usd) },
                                    Line { account: to, amount: Money::from_minor(amount, usd) },
                                ],
                            }
                        })
                        .collect();
                    let t = Instant::now();
                    let posted = post_batch(&pool, &txs).await.expect("batches post");
                    assert!(
                        posted.iter().all(|p| !p.replayed),
                        "a fresh key replayed: the figures would be inflated"
                    );
                    latencies.push(t.elapsed());
                    postings += 2 * batch as u64;
                    n += 1;
                }
                (postings, latencies)
            }));
        }
        let (mut postings, mut latencies) = (0u64, Vec::new());
        for task in tasks {
            let (p, l) = task.await?;
            postings += p;
            latencies.extend(l);
        }
        let wall = started.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |f: f64| {
            latencies[((latencies.len() as f64 * f) as usize).min(latencies.len() - 1)].as_secs_f64() * 1000.0
        };
        let transfers = postings / 2;
        let mode = if batch == 1 { "one per transaction".to_owned() } else { format!("batches of {batch}") };
        println!(
            "{mode:<20} {label:<16} {transfers:>7} transfers in {wall:.1} s = {:>6.0} transfers/s, {:>6.0} postings/s; \
             latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
            transfers as f64 / wall,
            postings as f64 / wall,
            pct(0.5),
            pct(0.95),
            pct(0.99)
        );
    }
    // Every posting's balance-after is the one before it plus its amount, its version the one
    // before plus one, and the last of each account is the account's balance.
    let broken: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT p.account_id, p.amount_minor, p.balance_after, p.account_version,
                    lag(p.balance_after, 1, 0::bigint) OVER w AS before,
                    lag(p.account_version, 1, 0::bigint) OVER w AS version_before,
                    last_value(p.balance_after) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last,
                    a.balance_minor
             FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
             WINDOW w AS (PARTITION BY p.account_id ORDER BY p.account_version)) c
         WHERE balance_after <> before + amount_minor OR account_version <> version_before + 1 OR last <> balance_minor",
    )
    .fetch_one(&pool)
    .await?;
    println!("postings whose balance-after chain is broken: {broken} (zero when nothing was lost)");
    let off: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(balance_minor), 0)::bigint FROM ledger_account WHERE currency = 'USD'",
    )
    .fetch_one(&pool)
    .await?;
    println!("sum of USD balances afterwards: {off} (zero when nothing was lost)");
    Ok(())
}
