//! Ledger benchmark: approved batches posted by concurrent clients into PostgreSQL. Prints
//! figures; asserts nothing. Needs DATABASE_URL (a migrated, throwaway database).
//!
//! ```text
//! scripts/bench-ledger.sh        # starts a throwaway cluster and runs this
//! ledger-bench [--clients 16] [--batch 50] [--seconds 15]
//! ```
//!
//! Two runs: transfers spread over 1,000 accounts, then all of them on 10 hot accounts. Each
//! client posts batches of `--batch` two-posting transfers (one database transaction per batch,
//! as an approver releasing a day's resettlements would) until the time is up.

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
    let (clients, batch, seconds) =
        (arg("--clients", 16) as usize, arg("--batch", 50) as usize, arg("--seconds", 15));
    let url = std::env::var("DATABASE_URL")?;
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(clients as u32 + 2).connect(&url).await?;
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
    println!("ledger-bench: {clients} clients, batches of {batch} transfers (2 postings each), {seconds} s per run, 2 cores");
    for (label, accounts) in [("1,000 accounts", ids.clone()), ("10 hot accounts", ids[..10].to_vec())] {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (pool, accounts) = (pool.clone(), accounts.clone());
            let label = format!("{label}-{run}");
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
        println!(
            "{label:<16} {postings:>9} postings in {wall:.1} s = {:>7.0} postings/s; batch latency p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms",
            postings as f64 / wall,
            pct(0.5),
            pct(0.95),
            pct(0.99)
        );
    }
    let off: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(balance_minor), 0)::bigint FROM ledger_account WHERE currency = 'USD'",
    )
    .fetch_one(&pool)
    .await?;
    println!("sum of USD balances afterwards: {off} (zero when nothing was lost)");
    Ok(())
}
