//! `server recon run`, as an operator runs it: demo feeds in, reports and items out; and a run
//! killed in the middle leaves nothing behind that the next run could double.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sqlx::PgPool;

mod common;
use common::database_url;

fn server(pool: &PgPool, storage: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.env("DATABASE_URL", database_url(pool)).env("SETTLEDESK_LOCAL_STORAGE_DIR", storage);
    command
}

fn demo_feeds(pool: &PgPool, storage: &std::path::Path, records: u64) {
    demo_feeds_for(pool, storage, "2026-11-20", records)
}

fn demo_feeds_for(pool: &PgPool, storage: &std::path::Path, date: &str, records: u64) {
    let status = server(pool, storage)
        .args(["demo-feeds", "--date", date, "--records", &records.to_string(), "--seed", "5"])
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
        "SELECT i.class || coalesce('/' || i.reason, ''), count(*) FROM run_item i
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
async fn a_day_with_an_unreadable_record_in_each_network_file_runs_on_the_first_try(pool: PgPool) {
    let storage = tempfile::tempdir().unwrap();
    let status = server(&pool, storage.path())
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "2000", "--seed", "5", "--unreadable", "1"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    // The first run ingests the files (each with its bad record) and completes.
    let out = recon_run(&pool, storage.path());
    assert!(out.contains("version 1"), "{out}");
    assert!(out.contains("mismatch/unreadable_record: 2"), "{out}");
    assert_eq!(out.matches(": closes").count(), 2, "{out}");
    assert!(!out.contains("DOES NOT CLOSE"), "{out}");
    let mismatches =
        std::fs::read_to_string(storage.path().join("reports/2026-11-20/v1/mismatches-2026-11-20-v1.csv"))
            .unwrap();
    assert_eq!(mismatches.matches(",unreadable_record,").count(), 2);
    // And so does the next, from the files already loaded: nothing lost the second time either.
    let again = recon_run(&pool, storage.path());
    assert!(again.contains("version 2") && again.contains("mismatch/unreadable_record: 2"), "{again}");
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn with_a_bucket_configured_feeds_and_reports_go_through_s3(pool: PgPool) {
    let s3 = domain::storage::testing::S3Server::start();
    let unused_local = tempfile::tempdir().unwrap();
    let keys = s3.settings.keys.clone().expect("the test server has keys");
    let endpoint = s3.settings.endpoint.clone().unwrap();
    let with_bucket = |command: &mut Command| {
        command.envs([
            ("SETTLEDESK_S3_BUCKET", s3.settings.bucket.as_str()),
            ("SETTLEDESK_S3_ENDPOINT", endpoint.as_str()),
            ("SETTLEDESK_S3_PATH_STYLE", "on"),
        ]);
    };
    // The feeds go up with static keys in SettleDesk's settings...
    let with_s3 = |command: &mut Command| {
        with_bucket(command);
        command.envs([
            ("SETTLEDESK_S3_ACCESS_KEY", keys.access_key.as_str()),
            ("SETTLEDESK_S3_SECRET_KEY", keys.secret_key.as_str()),
        ]);
    };
    // ...and the run finds its credentials through the AWS default chain (here its first link,
    // the environment; no profile file, no instance metadata), as a production role would.
    let with_chain = |command: &mut Command| {
        with_bucket(command);
        command
            .envs([
                ("AWS_ACCESS_KEY_ID", keys.access_key.as_str()),
                ("AWS_SECRET_ACCESS_KEY", keys.secret_key.as_str()),
                ("AWS_EC2_METADATA_DISABLED", "true"),
                ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
            ])
            .env_remove("SETTLEDESK_S3_ACCESS_KEY")
            .env_remove("SETTLEDESK_S3_SECRET_KEY");
    };
    let mut feeds = server(&pool, unused_local.path());
    with_s3(&mut feeds);
    let status = feeds
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "500"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut run = server(&pool, unused_local.path());
    with_chain(&mut run);
    let output = run.args(["recon", "run", "--date", "2026-11-20"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let store = domain::storage::ObjectStore::s3(&s3.settings).await;
    let keys: Vec<String> = store.list("").await.unwrap().into_iter().map(|o| o.key).collect();
    assert_eq!(keys.iter().filter(|k| k.starts_with("inbound/")).count(), 3, "{keys:?}");
    assert!(keys.contains(&"reports/2026-11-20/v1/manifest.json".to_owned()), "{keys:?}");
    assert_eq!(std::fs::read_dir(unused_local.path()).unwrap().count(), 0, "nothing went to the local store");
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
        // Progress lines read "[   0.4 s]   matching".
        if line.unwrap().split_once("] ").is_some_and(|(_, stage)| stage.trim() == "matching") {
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    let (completed, items): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM recon_run WHERE status = 'completed'), (SELECT count(*) FROM run_item)",
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

/// Runs `server serve` (its scheduler on) until `version` of `date` has completed, or a minute
/// has passed; whether it did.
async fn serve_until_version(
    pool: &PgPool,
    storage: &std::path::Path,
    date: chrono::NaiveDate,
    version: i32,
) -> bool {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut serving = server(pool, storage)
        .arg("serve")
        .env("SETTLEDESK_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let completed = loop {
        let done: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM recon_run WHERE business_date = $1 AND version = $2 AND status = 'completed')",
        )
        .bind(date)
        .bind(version)
        .fetch_one(pool)
        .await
        .unwrap();
        if done || started.elapsed() > std::time::Duration::from_secs(60) {
            break done;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    serving.kill().unwrap();
    serving.wait().unwrap();
    completed
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_file_arriving_after_its_date_s_run_is_reconciled_by_the_server_in_a_new_version(pool: PgPool) {
    use chrono::{Days, Utc};
    let storage = tempfile::tempdir().unwrap();
    let zone = domain::calendar::parse_time_zone("America/New_York").unwrap();
    let date = Utc::now().with_timezone(&zone).date_naive() - Days::new(2);
    demo_feeds_for(&pool, storage.path(), &date.to_string(), 1_000);
    // The Mastercard file is held back: the date is reconciled without it.
    let inbound = storage.path().join(format!("inbound/mastercard/{date}"));
    let held = storage.path().join("held");
    std::fs::rename(&inbound, &held).unwrap();
    assert!(serve_until_version(&pool, storage.path(), date, 1).await, "the scheduler reconciled {date}");
    let networks = |version: i32| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT f.source FROM run_item i JOIN recon_run r ON r.id = i.run_id
                 JOIN feed_file f ON f.id = i.feed_file_id
                 WHERE r.business_date = $1 AND r.version = $2 ORDER BY 1",
            )
            .bind(date)
            .bind(version)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(networks(1).await, vec!["visa"]);

    // It arrives after the run: the server reconciles the date again by itself, with it.
    std::fs::rename(&held, &inbound).unwrap();
    assert!(
        serve_until_version(&pool, storage.path(), date, 2).await,
        "a new version of {date} with the late file"
    );
    assert_eq!(networks(2).await, vec!["mastercard", "visa"]);
    assert!(storage.path().join(format!("reports/{date}/v1/manifest.json")).exists(), "version 1 stays");
    assert!(storage.path().join(format!("reports/{date}/v2/manifest.json")).exists());
    // (That nothing more is late after it, so no third version follows, is
    // `late_files`' own test in domain::recon::run.)
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn the_server_catches_up_a_closed_date_that_has_its_files(pool: PgPool) {
    use chrono::{Days, Utc};
    let storage = tempfile::tempdir().unwrap();
    // Two days ago in the bank's operating zone: certainly past its cutoff.
    let zone = domain::calendar::parse_time_zone("America/New_York").unwrap();
    let date = Utc::now().with_timezone(&zone).date_naive() - Days::new(2);
    demo_feeds_for(&pool, storage.path(), &date.to_string(), 1_000);
    let completed = serve_until_version(&pool, storage.path(), date, 1).await;
    assert!(completed, "the scheduler reconciled {date} at start-up");
    assert!(storage.path().join(format!("reports/{date}/v1/manifest.json")).exists());
}

/// `./dev`'s payouts: after a reconciled day, `demo-payouts` leaves a payout of every state (a
/// rejection, settlements) and a statement break in the queue, through the real intake.
#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn the_demo_payouts_show_a_rejection_settlements_and_a_statement_break(pool: PgPool) {
    let storage = tempfile::tempdir().unwrap();
    demo_feeds(&pool, storage.path(), 2_000);
    recon_run(&pool, storage.path());
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/iso20022/samples.py");
    let output = server(&pool, storage.path())
        .args(["demo-payouts", "--date", "2026-11-20", "--samples"])
        .arg(&samples)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM payment_instruction GROUP BY status ORDER BY status")
            .fetch_all(&pool)
            .await
            .unwrap();
    // Up to three Visa chargebacks of the day are paid: the first rejected, the rest settled.
    let settled = statuses.iter().find(|(s, _)| s == "settled").map_or(0, |(_, n)| *n);
    assert_eq!(statuses[0], ("rejected".to_owned(), 1), "{statuses:?}");
    assert!((1..=2).contains(&settled), "{statuses:?}");
    let breaks: Vec<String> =
        sqlx::query_scalar("SELECT reason FROM work_item WHERE class = 'statement_break' ORDER BY reason")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(breaks, ["closing_differs", "entry_unmatched"]);
    let in_transit: i64 =
        sqlx::query_scalar("SELECT balance_minor FROM ledger_account WHERE code = 'payments_in_transit'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(in_transit, 0, "every payout settled or returned");
    let rejected_item_open: bool = sqlx::query_scalar(
        "SELECT w.status = 'open' FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id
           JOIN payment_instruction i ON i.action_id = a.id WHERE i.status = 'rejected'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(rejected_item_open);
    assert!(storage.path().join("outbound/pain001").exists());
}
