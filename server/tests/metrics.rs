//! `/metrics` scraped from a running `server serve` while its scheduler takes a day's files in and
//! reconciles them: the figures move as the work happens.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Datelike;
use sqlx::PgPool;

mod common;
use common::database_url;

/// One sample's value: the first line that starts with `name` and holds every label (0 if none).
fn sample(metrics: &str, name: &str, labels: &[&str]) -> f64 {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.split([' ', '{']).next() == Some(name) && labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn the_figures_move_while_the_scheduler_ingests_and_runs_a_day(pool: PgPool) {
    // A business date whose cutoff has surely passed in any time zone: two days back or more.
    let holidays = domain::calendar::load_holidays(&pool).await.unwrap();
    let mut date = chrono::Utc::now().date_naive() - chrono::Days::new(2);
    while !holidays.is_business_day(date) || date.weekday().number_from_monday() > 5 {
        date = date.pred_opt().unwrap();
    }
    let storage = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = [
        ("DATABASE_URL", database_url(&pool)),
        ("SETTLEDESK_LOCAL_STORAGE_DIR", storage.path().to_string_lossy().into_owned()),
        ("SETTLEDESK_LISTEN_ADDR", format!("127.0.0.1:{port}")),
        ("SETTLEDESK_INGEST_INTERVAL_SECS", "1".to_owned()),
        ("SETTLEDESK_SHUTDOWN_GRACE_SECS", "2".to_owned()),
    ];
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .envs(env.iter().cloned())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let scrape = || async {
        match client.get(format!("http://127.0.0.1:{port}/metrics")).send().await {
            Ok(r) if r.status().is_success() => Some(r.text().await.unwrap()),
            _ => None,
        }
    };
    let started = Instant::now();
    let before = loop {
        if let Some(text) = scrape().await {
            break text;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(sample(&before, "settledesk_runs_total", &["outcome=\"completed\""]), 0.0);
    assert!(!before.contains("settledesk_files_ingested_total"), "{before}");

    // The day's files arrive.
    let fed = Command::new(env!("CARGO_BIN_EXE_server"))
        .args([
            "demo-feeds",
            "--date",
            &date.to_string(),
            "--records",
            "500",
            "--seed",
            "4",
            "--unreadable",
            "1",
        ])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(fed.status.success(), "{}", String::from_utf8_lossy(&fed.stderr));

    // Until the run completes (bounded generously: it takes seconds, on a busy machine longer).
    let after = loop {
        let text = scrape().await.expect("the server answers");
        if sample(&text, "settledesk_runs_total", &["outcome=\"completed\""]) >= 1.0 {
            break text;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "no run completed:\n{text}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let per_source = |name: &str| -> f64 {
        ["visa", "mastercard", "zelle"]
            .iter()
            .map(|s| sample(&after, name, &[&format!("source=\"{s}\"")]))
            .sum()
    };
    for source in ["visa", "mastercard", "zelle"] {
        let loaded = [format!("source=\"{source}\""), "outcome=\"loaded\"".to_owned()];
        let labels: Vec<&str> = loaded.iter().map(String::as_str).collect();
        assert_eq!(sample(&after, "settledesk_files_ingested_total", &labels), 1.0, "{source}: {after}");
    }
    assert!(per_source("settledesk_records_ingested_total") >= 500.0, "{after}");
    assert_eq!(
        per_source("settledesk_unreadable_records_total"),
        2.0,
        "one unreadable record per network file"
    );
    assert!(sample(&after, "settledesk_run_duration_seconds_count", &["outcome=\"completed\""]) >= 1.0);
    assert!(sample(&after, "settledesk_audit_append_seconds_count", &[]) >= 1.0, "the run was audited");
    assert!(sample(&after, "settledesk_seconds_since_last_completed_run", &[]) >= 0.0);
    assert!(after.contains("settledesk_open_exceptions{age=\"under_1d\"}"), "{after}");
    // And the scrapes themselves, by route and status.
    assert!(
        sample(
            &after,
            "settledesk_http_request_duration_seconds_count",
            &["route=\"/metrics\"", "status=\"200\""]
        ) >= 2.0,
        "{after}"
    );
    server.start_kill().unwrap();
    let _ = server.wait().await;
}
