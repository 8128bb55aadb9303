//! Alerts delivered to a real webhook receiver (`scripts/webhook-receiver.py`, HTTP on loopback)
//! and a real SMTP server (aiosmtpd, mail into a Maildir), by `server alerts send` as the job
//! runner sends them: a late feed, a quarantined file, a failed run and an SLA breach, each once.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;

mod common;
use common::database_url;

const SECRET: &str = "webhook-secret-for-the-alert-test-0123456789";

struct Stopping(Child);

impl Drop for Stopping {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The webhook receiver, and the file it appends deliveries to.
fn webhook_receiver(dir: &Path) -> (Stopping, u16, PathBuf) {
    let out = dir.join("webhook.jsonl");
    let mut child = Command::new("python3")
        .arg(repository().join("scripts/webhook-receiver.py"))
        .arg(&out)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port = first.trim().parse().expect("the receiver prints its port");
    (Stopping(child), port, out)
}

/// An SMTP server on loopback that keeps every message in a Maildir.
fn smtp_sink(dir: &Path) -> (Stopping, u16, PathBuf) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let maildir = dir.join("mail");
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .spawn()
        .expect("aiosmtpd is installed (./test installs it)");
    let child = Stopping(child);
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "the SMTP server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port, maildir)
}

fn send_alerts(pool: &PgPool, webhook_port: u16, smtp_port: u16) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["alerts", "send"])
        .env("DATABASE_URL", database_url(pool))
        .env("SETTLEDESK_ALERT_WEBHOOK_URL", format!("http://127.0.0.1:{webhook_port}/settledesk"))
        .env("SETTLEDESK_ALERT_WEBHOOK_SECRET", SECRET)
        .env("SETTLEDESK_ALERT_SMTP_HOST", "127.0.0.1")
        .env("SETTLEDESK_ALERT_SMTP_PORT", smtp_port.to_string())
        .env("SETTLEDESK_ALERT_SMTP_SECURITY", "none")
        .env("SETTLEDESK_ALERT_MAIL_FROM", "SettleDesk <settledesk@bank.example>")
        .env("SETTLEDESK_ALERT_MAIL_TO", "recon-ops@bank.example, duty-manager@bank.example")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn deliveries(file: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn mails(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|entries| entries.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
        .unwrap_or_default()
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_late_feed_a_quarantine_a_failed_run_and_an_sla_breach_reach_the_webhook_and_the_mailbox(
    pool: PgPool,
) {
    // A quarantined file, a run that failed, and a work item of that run past its service level.
    // Late feeds need nothing: no file has arrived for any recent business date.
    sqlx::query(
        "INSERT INTO feed_file (source, object_key, business_date, size_bytes, sha256, status, error)
         VALUES ('visa', 'inbound/visa/2026-11-20/broken.ctf', '2026-11-20', 24, decode(repeat('ab', 32), 'hex'),
                 'quarantined', 'not a Visa file')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (run,): (i64,) = sqlx::query_as(
        "INSERT INTO recon_run (business_date, version, rule_set_version, status, stage, finished_at)
         VALUES ('2026-11-20', 1, 1, 'abandoned', 'matching', now()) RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO work_item (subject, business_date, class, reason, amount_minor, currency, run_id, seq, escalated_at)
         VALUES ('visa:123', '2026-11-20', 'mismatch', 'amount_differs', 1250, 'USD', $1, 1, now())",
    )
    .bind(run)
    .execute(&pool)
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (_receiver, webhook_port, received) = webhook_receiver(dir.path());
    let (_sink, smtp_port, maildir) = smtp_sink(dir.path());
    send_alerts(&pool, webhook_port, smtp_port);

    let posts = deliveries(&received);
    let kinds = |posts: &[serde_json::Value]| {
        let mut kinds: Vec<String> = posts
            .iter()
            .map(|p| {
                serde_json::from_str::<serde_json::Value>(p["body"].as_str().unwrap()).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    assert_eq!(kinds(&posts), ["feed_late", "feed_quarantined", "run_failed", "sla_breached"]);
    for post in &posts {
        // Signed: HMAC-SHA-256 of "<timestamp>.<body>" under the shared secret.
        let headers = &post["headers"];
        let timestamp: i64 = headers["x-settledesk-timestamp"].as_str().unwrap().parse().unwrap();
        let body = post["body"].as_str().unwrap();
        let expected = server_signature(SECRET.as_bytes(), timestamp, body.as_bytes());
        assert_eq!(headers["x-settledesk-signature"].as_str().unwrap(), format!("sha256={expected}"));
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(post["path"], "/settledesk");
    }
    let quarantine = posts
        .iter()
        .map(|p| serde_json::from_str::<serde_json::Value>(p["body"].as_str().unwrap()).unwrap())
        .find(|b| b["kind"] == "feed_quarantined")
        .unwrap();
    assert_eq!(quarantine["details"]["reason"], "not a Visa file");

    let mail = mails(&maildir);
    assert_eq!(mail.len(), posts.len(), "one mail per alert");
    let breach = mail.iter().find(|m| m.contains("(sla_breached)")).expect("the SLA breach was mailed");
    assert!(
        breach.contains("recon-ops@bank.example") && breach.contains("duty-manager@bank.example"),
        "{breach}"
    );
    assert!(breach.contains("Subject: [SettleDesk] Work item"), "{breach}");

    // The next round delivers nothing twice.
    send_alerts(&pool, webhook_port, smtp_port);
    assert_eq!(deliveries(&received).len(), posts.len());
    assert_eq!(mails(&maildir).len(), mail.len());
}

/// The same computation as the server's, written out here so the test does not trust it.
fn server_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}
