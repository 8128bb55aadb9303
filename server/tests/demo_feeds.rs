//! `server demo-feeds` writes three complete files that our own readers accept in strict mode.

use std::process::Command;

use domain::feeds::{mastercard, visa, zelle, CardTokenizer, Strictness};

#[test]
fn demo_feeds_writes_a_readable_day() {
    let out = tempfile::tempdir().unwrap();
    let key = "demo-feeds-test-key";
    let status = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "2000", "--seed", "3", "--out"])
        .arg(out.path())
        .env("SETTLEDESK_CARD_TOKEN_KEY", key)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let report = String::from_utf8(status.stdout).unwrap();
    assert!(report.contains("Situations generated:"), "{report}");

    let cards = CardTokenizer::new(key.as_bytes());
    let day = out.path();
    let open = |source: &str, name: &str| {
        std::fs::File::open(day.join(source).join("2026-11-20").join(name)).unwrap()
    };
    let v = visa::read(open("visa", "VISA-BASEII-2026-11-20-s3.ctf"), &cards, Strictness::Strict, |_| {})
        .unwrap();
    let m = mastercard::read(
        open("mastercard", "MC-IPM-T112-2026-11-20-s3.ipm"),
        &cards,
        Strictness::Strict,
        |_| {},
    )
    .unwrap();
    let z =
        zelle::read(open("zelle", "ZELLE-EXTRACT-2026-11-20-s3.csv"), Strictness::Strict, |_| {}).unwrap();
    assert!(v.transactions > 0 && m.transactions > 0 && z.payments > 0);
    assert!(v.transactions + m.transactions > 1_900, "about one network record per payment");
    // No temporary files are left behind.
    let leftovers: Vec<_> = walk(day).into_iter().filter(|p| p.contains(".partial")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[test]
fn a_reader_that_goes_away_does_not_fail_the_command() {
    // `server demo-feeds ... | head -1`: the reader closes the pipe before the report is written.
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "500", "--seed", "3", "--out"])
        .arg(out.path())
        .env("SETTLEDESK_CARD_TOKEN_KEY", "demo-feeds-test-key")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let finished = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&finished.stderr);
    assert!(finished.status.success(), "{:?}: {stderr}", finished.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        walk(out.path()).iter().any(|p| p.ends_with("ZELLE-EXTRACT-2026-11-20-s3.csv")),
        "the files were written all the same"
    );
}

/// `--on-time` dates each file as delivered an hour before its source's due time (`./dev` uses
/// it, so a fresh portal does not show its demo day's files as late).
#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn on_time_demo_files_arrive_an_hour_before_they_are_due(pool: sqlx::PgPool) {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL points at the test cluster");
    let name = pool.connect_options().get_database().expect("a database name").to_owned();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "200", "--seed", "3", "--on-time", "--out"])
        .arg(out.path())
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let modified = |source: &str, name: &str| -> chrono::DateTime<chrono::Utc> {
        std::fs::metadata(out.path().join(source).join("2026-11-20").join(name))
            .unwrap()
            .modified()
            .unwrap()
            .into()
    };
    // Due (New York, EST): network files on the 21st by 08:00 (13:00 UTC), the extract on the
    // 20th by 20:00 (01:00 UTC on the 21st).
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    assert_eq!(modified("visa", "VISA-BASEII-2026-11-20-s3.ctf"), at("2026-11-21T12:00:00Z"));
    assert_eq!(modified("mastercard", "MC-IPM-T112-2026-11-20-s3.ipm"), at("2026-11-21T12:00:00Z"));
    assert_eq!(modified("zelle", "ZELLE-EXTRACT-2026-11-20-s3.csv"), at("2026-11-21T00:00:00Z"));
}
