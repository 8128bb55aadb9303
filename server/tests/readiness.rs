//! The real server binary, started on an ephemeral port before its database exists: `/readyz`
//! must say "not ready" (and why) until PostgreSQL is up and migrated, then "ready"; SIGTERM must
//! stop it cleanly; and its JSON logs must carry each request's id.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A PostgreSQL cluster started through the project's own `scripts/pg.sh`, stopped on drop.
struct Cluster {
    data: PathBuf,
}

impl Cluster {
    fn start(data: PathBuf, port: u16) -> Self {
        pg_script(&format!("pg_start '{}' {port} '-c fsync=off' >/dev/null", data.display()));
        Cluster { data }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        pg_script(&format!("pg_stop '{}'", self.data.display()));
    }
}

fn pg_script(command: &str) {
    let script = repo_root().join("scripts/pg.sh");
    let status = Command::new("bash")
        .arg("-c")
        .arg(format!("set -e; source '{}'; {command}", script.display()))
        .status()
        .expect("bash runs");
    assert!(status.success(), "`{command}` failed");
}

async fn readyz(client: &reqwest::Client, base: &str) -> (u16, Value) {
    let response = client.get(format!("{base}/readyz")).send().await.expect("server answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("readyz answers JSON"))
}

/// Polls `/readyz` until `done` accepts the answer, or fails after `limit`.
async fn readyz_until(
    client: &reqwest::Client,
    base: &str,
    limit: Duration,
    done: impl Fn(u16, &Value) -> bool,
) -> (u16, Value) {
    let start = Instant::now();
    loop {
        let (status, body) = readyz(client, base).await;
        if done(status, &body) {
            return (status, body);
        }
        assert!(start.elapsed() < limit, "readyz stuck at {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readyz_turns_ready_once_the_database_is_up_and_migrated() {
    let work = tempfile::Builder::new().prefix("settledesk-readyz").tempdir_in("/tmp").unwrap();
    // The postgres user must be able to reach the data directory inside.
    Command::new("chmod").arg("755").arg(work.path()).status().unwrap();
    let pg_port = free_port();
    let app_port = free_port();
    let base = format!("http://127.0.0.1:{app_port}");
    let server_env = [
        ("DATABASE_URL", format!("postgres://postgres@127.0.0.1:{pg_port}/postgres")),
        ("SETTLEDESK_LISTEN_ADDR", format!("127.0.0.1:{app_port}")),
        ("SETTLEDESK_SHUTDOWN_GRACE_SECS", "5".to_owned()),
        ("SETTLEDESK_LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ];

    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .envs(server_env.iter().cloned())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();

    // Alive, but not ready: nothing listens on the database port yet.
    let start = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = readyz(&client, &base).await;
    assert_eq!(status, 503);
    assert_eq!(body["ready"], false);
    assert_eq!(body["reason"], "database unreachable");

    // The database comes up, still without our schema.
    let _cluster = Cluster::start(work.path().join("pg"), pg_port);
    let (status, body) =
        readyz_until(&client, &base, Duration::from_secs(20), |_, b| b["reason"] != "database unreachable")
            .await;
    assert_eq!(status, 503);
    assert!(body["reason"].as_str().unwrap().starts_with("migrations pending"), "{body}");

    // Migrated by the same binary's `migrate` command: ready, with the schema version.
    let migrate = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("migrate")
        .envs(server_env.iter().cloned())
        .output()
        .unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    let (status, body) = readyz(&client, &base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    let newest = domain::db::MIGRATOR.iter().map(|m| m.version).max().unwrap();
    assert_eq!(body["schema_version"], newest);

    // SIGTERM: a graceful stop, exit status 0.
    let pid = server.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exit =
        tokio::time::timeout(Duration::from_secs(10), server.wait()).await.expect("stops in time").unwrap();
    assert!(exit.success(), "server exited with {exit}");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err(), "still accepting after shutdown");
}
