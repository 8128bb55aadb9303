//! `server recon run`, as an operator runs it: demo feeds in, reports and items out; and a run
//! killed in the middle leaves nothing behind that the next run could double.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sqlx::PgPool;

fn database_url(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL points at the test cluster");
    let name = pool.connect_options().get_database().expect("a database name").to_owned();
    format!("{}/{name}", base.rsplit_once('/').expect("a database name in DATABASE_URL").0)
}

fn server(pool: &PgPool, storage: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.env("DATABASE_URL", database_url(pool)).env("SETTLEDESK_LOCAL_STORAGE_DIR", storage);
    command
}

fn demo_feeds(pool: &PgPool, storage: &std::path::Path, records: u64) {
    let status = server(pool, storage)
        .args(["demo-feeds", "--date", "2026-11-20", "--records", &records.to_string(), "--seed", "5"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

fn recon_run(pool: &PgPool, storage: &std::path::Path) -> String {
    let output = server(pool, storage).args(["recon", "run", "--date", "2026-11-20"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

async fn completed_item_counts(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT i.class || coalesce('/' || i.reason, ''), count(*) FROM recon_item i
         JOIN recon_run r ON r.id = i.run_id
         WHERE r.status = 'completed' AND r.version = (SELECT max(version) FROM recon_run WHERE status = 'completed')
         GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_date_runs_from_the_command_line(pool: PgPool) {
    let storage = tempfile::tempdir().unwrap();
    demo_feeds(&pool, storage.path(), 2_000);
    let out = recon_run(&pool, storage.path());
    assert!(out.contains("version 1"), "{out}");
    assert!(out.contains("reports/2026-11-20/v1/mismatches-2026-11-20-v1.csv"), "{out}");
    assert!(storage.path().join("reports/2026-11-20/v1/manifest.json").exists());
    let again = recon_run(&pool, storage.path());
    assert!(again.contains("version 2"), "{again}");
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_run_killed_midway_is_completed_by_the_next_with_the_same_totals(pool: PgPool) {
    let storage = tempfile::tempdir().unwrap();
    demo_feeds(&pool, storage.path(), 60_000);

    // Kill the first run as soon as it starts matching.
    let mut child = server(&pool, storage.path())
        .args(["recon", "run", "--date", "2026-11-20"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    for line in stderr.lines() {
        if line.unwrap().trim() == "matching" {
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    let (completed, items): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM recon_run WHERE status = 'completed'), (SELECT count(*) FROM recon_item)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((completed, items), (0, 0), "the killed run left no items");

    let out = recon_run(&pool, storage.path());
    assert!(out.contains("version 2"), "{out}");
    let after_crash = completed_item_counts(&pool).await;
    let again = recon_run(&pool, storage.path());
    assert!(again.contains("version 3"), "{again}");
    assert_eq!(completed_item_counts(&pool).await, after_crash, "the same totals as an uninterrupted run");
    let abandoned: i64 = sqlx::query_scalar("SELECT count(*) FROM recon_run WHERE status = 'abandoned'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(abandoned, 1);
}
