//! Files taken in as they arrive, and a day that stays whole while processes race over it:
//! `server ingest watch`, and two real `server serve` processes (schedulers and watchers on) with
//! a `server recon run`, on one database and one inbound store, while a day's files land.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use domain::storage::ObjectStore;
use sqlx::PgPool;

mod common;
use common::database_url;

fn server(pool: &PgPool, storage: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env("DATABASE_URL", database_url(pool))
        .env("SETTLEDESK_LOCAL_STORAGE_DIR", storage)
        .env_remove("SETTLEDESK_S3_BUCKET");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The day's files for `date`, generated into `staging` (not yet delivered): the Zelle extract,
/// the Visa file and the Mastercard file, each as (key in the store, where it waits).
fn generate(pool: &PgPool, staging: &Path, date: NaiveDate, seed: u64) -> Vec<(String, PathBuf)> {
    let out = staging.join(format!("{date}"));
    let status = server(pool, staging)
        .args(["demo-feeds", "--date", &date.to_string(), "--records", "1500", "--seed", &seed.to_string()])
        .args(["--unreadable", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    ["zelle", "visa", "mastercard"]
        .into_iter()
        .map(|source| {
            let dir = out.join(source).join(date.to_string());
            let name = std::fs::read_dir(&dir).unwrap().next().expect("one file").unwrap().file_name();
            let name = name.to_str().unwrap().to_owned();
            (format!("inbound/{source}/{date}/{name}"), dir.join(name))
        })
        .collect()
}

/// Puts a waiting file into the inbound store at once (a rename, as an upload lands whole).
fn deliver(storage: &Path, (key, waiting): &(String, PathBuf)) {
    let target = storage.join(key);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::rename(waiting, target).unwrap();
}

/// Dates a few days back, closed and inside the week the watcher and scheduler look at.
async fn recent_closed_dates(pool: &PgPool) -> (NaiveDate, NaiveDate) {
    let schedule = domain::calendar::load_schedule(pool).await.unwrap();
    let closed = schedule.closed_dates(Utc::now(), 7);
    (closed[3], closed[4])
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn the_watcher_takes_in_each_new_file_once_with_when_it_arrived(pool: PgPool) {
    let (staging, storage) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (date, _) = recent_closed_dates(&pool).await;
    let files = generate(&pool, staging.path(), date, 5);
    deliver(storage.path(), &files[0]);
    deliver(storage.path(), &files[1]);
    let watch_once = || {
        let out = server(&pool, storage.path()).args(["ingest", "watch", "--once"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = watch_once();
    assert!(first.contains(&files[0].0) && first.contains(&files[1].0), "{first}");
    assert!(first.contains("loaded 1500 records") || first.contains("loaded"), "{first}");
    assert!(first.contains(&format!("{date}: new files for a closed date")), "{first}");
    assert_eq!(watch_once(), "", "nothing new: nothing taken in, nothing read");
    deliver(storage.path(), &files[2]);
    let third = watch_once();
    assert!(third.contains(&files[2].0) && !third.contains(&files[0].0), "{third}");

    // When each file arrived is the object's own time, not when it was read.
    let arrived: Vec<(String, Option<chrono::DateTime<Utc>>, chrono::DateTime<Utc>)> =
        sqlx::query_as("SELECT object_key, arrived_at, received_at FROM feed_file ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(arrived.len(), 3);
    for (key, arrived_at, _) in &arrived {
        let modified: chrono::DateTime<Utc> =
            std::fs::metadata(storage.path().join(key)).unwrap().modified().unwrap().into();
        assert_eq!(arrived_at.map(|t| t.timestamp_micros()), Some(modified.timestamp_micros()), "{key}");
    }
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_event WHERE actor = 'system' AND action = 'feed.file_loaded'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(events, 3, "each file taken in is an audit event of the system");
}

/// A `server serve` with its scheduler and watcher on, stopped (SIGTERM) when dropped.
struct Portal {
    child: Child,
    log: PathBuf,
}

impl Portal {
    fn start(pool: &PgPool, storage: &Path, log: PathBuf) -> Portal {
        let child = server(pool, storage)
            .arg("serve")
            .env("SETTLEDESK_LISTEN_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("SETTLEDESK_SCHEDULER", "on")
            .env("SETTLEDESK_INGEST_INTERVAL_SECS", "1")
            .env("RUST_LOG", "info")
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Portal { child, log }
    }

    fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The newest completed run of each date, by id.
async fn newest_runs(pool: &PgPool, dates: &[NaiveDate]) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT DISTINCT ON (business_date) id FROM recon_run
         WHERE status = 'completed' AND business_date = ANY($1) ORDER BY business_date, version DESC",
    )
    .bind(dates)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Whether every delivered file of `dates` is loaded and in the newest completed run of its date.
async fn settled(pool: &PgPool, store: &ObjectStore, dates: &[NaiveDate]) -> bool {
    for date in dates {
        let mut inbound = Vec::new();
        for source in ["zelle", "visa", "mastercard"] {
            let listed = store.list(&format!("inbound/{source}/{date}/")).await.unwrap();
            inbound.extend(listed.into_iter().map(|o| o.key));
        }
        let late = domain::recon::history::late_files(pool, *date, &inbound).await.unwrap();
        if inbound.len() < 3
            || !late.is_empty()
            || !domain::recon::history::has_completed_run(pool, *date).await.unwrap()
        {
            return false;
        }
    }
    let running: i64 = sqlx::query_scalar("SELECT count(*) FROM recon_run WHERE status = 'running'")
        .fetch_one(pool)
        .await
        .unwrap();
    running == 0
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn two_portals_and_a_command_line_race_over_two_dates_and_the_day_stays_whole(pool: PgPool) {
    let (staging, storage, logs) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (d1, d2) = recent_closed_dates(&pool).await;
    let day1 = generate(&pool, staging.path(), d1, 5);
    let day2 = generate(&pool, staging.path(), d2, 6);

    // The 1st's extract and Visa file land as the portals start, and an operator runs the date
    // by hand at once: the watchers, the schedulers and the command line all reach for it.
    deliver(storage.path(), &day1[0]);
    deliver(storage.path(), &day1[1]);
    let portals = [
        Portal::start(&pool, storage.path(), logs.path().join("a.log")),
        Portal::start(&pool, storage.path(), logs.path().join("b.log")),
    ];
    let command_line = server(&pool, storage.path())
        .args(["recon", "run", "--date", &d1.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The 2nd's extract and Visa file meanwhile: the schedulers race to run it.
    deliver(storage.path(), &day2[0]);
    deliver(storage.path(), &day2[1]);
    let out = command_line.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Each date's Mastercard file comes after a run of its date has completed: late.
    deliver(storage.path(), &day1[2]);
    let started = Instant::now();
    while !domain::recon::history::has_completed_run(&pool, d2).await.unwrap() {
        assert!(started.elapsed() < Duration::from_secs(600), "the 2nd was never run");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    deliver(storage.path(), &day2[2]);

    // Until the schedulers have taken in and reconciled everything that arrived: a state, with a
    // bound only against a hang (it takes seconds).
    let store = ObjectStore::local(storage.path());
    let dates = [d1, d2];
    let started = Instant::now();
    while !settled(&pool, &store, &dates).await {
        if started.elapsed() > Duration::from_secs(600) {
            for portal in &portals {
                eprintln!(
                    "--- {} ---\n{}",
                    portal.log.display(),
                    std::fs::read_to_string(&portal.log).unwrap()
                );
            }
            panic!("the dates did not settle");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let runs: Vec<(NaiveDate, i32, String)> =
        sqlx::query_as("SELECT business_date, version, status FROM recon_run ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    eprintln!("runs: {runs:?}");
    for date in dates {
        let versions = runs.iter().filter(|(d, _, status)| *d == date && status == "completed").count();
        assert!(versions >= 2, "the late file of {date} made no new version: {runs:?}");
    }

    // No file is left out of a completed run: every network file loaded before a run began is in
    // that run's control totals.
    let left_out: Vec<(String, i64)> = sqlx::query_as(
        "SELECT f.object_key, r.version::bigint FROM recon_run r JOIN feed_file f ON f.business_date = r.business_date
         WHERE r.status = 'completed' AND f.status = 'parsed' AND f.source <> 'zelle'
           AND f.processed_at < r.started_at
           AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(r.manifest::jsonb -> 'controls') c
                           WHERE c ->> 'object_key' = f.object_key)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(left_out, vec![], "files left out of a completed run");
    let unloaded: i64 = sqlx::query_scalar("SELECT count(*) FROM feed_file WHERE status <> 'parsed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(unloaded, 0, "every delivered file is loaded");

    // No payment is used by two dates' runs.
    let newest = newest_runs(&pool, &dates).await;
    assert_eq!(newest.len(), 2);
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT payment_id FROM run_item
                               WHERE run_id = ANY($1) AND feed_file_id IS NOT NULL AND payment_id IS NOT NULL
                               GROUP BY payment_id HAVING count(DISTINCT run_id) > 1) t",
    )
    .bind(&newest)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(twice, 0, "payments taken by two runs");

    // Every control total of every completed run closes, each network file with its unreadable
    // record among them.
    let controls: Vec<(bool, i64)> = sqlx::query_as(
        "SELECT (c ->> 'closes')::boolean, (c ->> 'records')::bigint
         FROM recon_run r, jsonb_array_elements(r.manifest::jsonb -> 'controls') c WHERE r.status = 'completed'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(controls.len() >= 4, "{controls:?}");
    assert!(controls.iter().all(|(closes, _)| *closes), "{controls:?}");
    let unreadable: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM recon_item WHERE run_id = ANY($1) AND reason = 'unreadable_record' GROUP BY run_id",
    )
    .bind(&newest)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(unreadable, [2, 2], "each date's two unreadable records are items of its newest run");

    // The automatic steps are in the audit trail as the system, and the chain is whole.
    let system_runs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_event WHERE actor = 'system' AND action = 'recon.run_completed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let completed: i64 = sqlx::query_scalar("SELECT count(*) FROM recon_run WHERE status = 'completed'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(system_runs, completed);
    let chain = domain::audit::verify(&pool).await.unwrap();
    assert!(matches!(chain, domain::audit::ChainReport::Intact { .. }), "{chain:?}");

    for portal in portals {
        assert!(portal.stop(), "a portal did not stop cleanly");
    }
}
