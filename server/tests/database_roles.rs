//! The server's database role, tried as an insider holding its password would: it can do the
//! server's work (a whole reconciliation, as `server recon run`), and it cannot rewrite history.
//! And a history rewritten by someone who can (the owner, a superuser) is still found, through
//! the heads each run recorded in object storage.

use std::process::Command;

use domain::audit::{record, AuditAction, NewAuditEvent};
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

/// The login the server connects as in these tests: a member of `settledesk_app`, as `./dev`'s and
/// `./test`'s `settledesk_server` is.
const SERVER_LOGIN: &str = "settledesk_test_server";

async fn server_login(pool: &PgPool) -> PgConnectOptions {
    // Roles belong to the cluster; another test may have made it already.
    sqlx::query(&format!(
        "DO $$ BEGIN CREATE ROLE {SERVER_LOGIN} LOGIN IN ROLE settledesk_app;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ))
    .execute(pool)
    .await
    .unwrap();
    pool.connect_options().as_ref().clone().username(SERVER_LOGIN)
}

fn url(options: &PgConnectOptions, user: &str) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL points at the test cluster");
    let server = base.rsplit_once('/').expect("a database name in DATABASE_URL").0;
    let host = server.rsplit_once('@').map_or(server, |(_, host)| host).trim_start_matches("postgres://");
    format!("postgres://{user}@{host}/{}", options.get_database().expect("a database name"))
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn the_servers_role_cannot_disable_the_guards_or_change_the_trail_or_the_ledger(pool: PgPool) {
    record(&pool, NewAuditEvent::new("ava", AuditAction::Login)).await.unwrap();
    sqlx::query("INSERT INTO ledger_closed_date (business_date, closed_by) VALUES ('2026-11-02', 'sam')")
        .execute(&pool)
        .await
        .unwrap();
    let app = PgPool::connect_with(server_login(&pool).await).await.unwrap();

    // The role is what production's start-up check wants.
    assert!(!domain::db::connected_as_owner(&app).await.unwrap());
    assert!(domain::db::connected_as_owner(&pool).await.unwrap());
    // What the server does, it may.
    record(&app, NewAuditEvent::new("ava", AuditAction::Logout)).await.unwrap();
    let (events,): (i64,) = sqlx::query_as("SELECT count(*) FROM audit_event").fetch_one(&app).await.unwrap();
    assert_eq!(events, 2);

    for attempt in [
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_or_delete",
        "ALTER TABLE audit_event DISABLE TRIGGER ALL",
        "DROP TRIGGER ledger_transaction_append_only ON ledger_transaction",
        "ALTER TABLE ledger_posting DISABLE TRIGGER ledger_posting_append_only",
        "ALTER TABLE ledger_closed_date DISABLE TRIGGER ledger_closed_date_append_only",
        "CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$",
        "ALTER TABLE audit_event OWNER TO settledesk_app",
        "SET session_replication_role = replica",
        "UPDATE audit_event SET actor = 'someone-else' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 2",
        "TRUNCATE audit_event",
        "UPDATE ledger_transaction SET description = 'edited'",
        "DELETE FROM ledger_transaction",
        "UPDATE ledger_posting SET amount_minor = 1",
        "DELETE FROM ledger_posting",
        "TRUNCATE ledger_posting",
        "UPDATE ledger_closed_date SET business_date = '2026-11-03'",
        "DELETE FROM ledger_closed_date",
        "DELETE FROM _sqlx_migrations",
        // No code of its own: a trigger function on a table settledesk_bulk owns would run with
        // the rights of whoever next changes that table.
        "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NEW; END $f$",
        "CREATE FUNCTION public.g() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
        "DO $f$ BEGIN NULL; END $f$",
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'x', true, '\\x00', 0)",
    ] {
        let refused = sqlx::query(attempt).execute(&app).await;
        let code = match &refused {
            Err(sqlx::Error::Database(e)) => e.code().map(|c| c.into_owned()),
            other => panic!("the server's role could: {attempt} ({other:?})"),
        };
        // insufficient_privilege: by the privileges, or by the append-only trigger.
        assert_eq!(code.as_deref(), Some("42501"), "{attempt}: {refused:?}");
    }
    let (actor,): (String,) =
        sqlx::query_as("SELECT actor FROM audit_event WHERE seq = 1").fetch_one(&pool).await.unwrap();
    assert_eq!(actor, "ava");
    assert_eq!(
        domain::audit::verify(&pool).await.unwrap().to_string().split(',').next().unwrap(),
        "audit chain intact: 2 events"
    );
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_trail_rewritten_wholesale_is_found_through_the_heads_in_object_storage(pool: PgPool) {
    let login = server_login(&pool).await;
    let storage = tempfile::tempdir().unwrap();
    let server = |user: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command.env("DATABASE_URL", url(&login, user)).env("SETTLEDESK_LOCAL_STORAGE_DIR", storage.path());
        command
    };
    for i in 0..3 {
        record(&pool, NewAuditEvent::new(format!("associate{i}"), AuditAction::Login)).await.unwrap();
    }
    // A whole run as the server's role: feeds in, partitions attached, reports and manifest out.
    let fed = server(SERVER_LOGIN)
        .args(["demo-feeds", "--date", "2026-11-20", "--records", "300"])
        .output()
        .unwrap();
    assert!(fed.status.success(), "{}", String::from_utf8_lossy(&fed.stderr));
    let run = server(SERVER_LOGIN).args(["recon", "run", "--date", "2026-11-20"]).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(storage.path().join("reports/2026-11-20/v1/manifest.json")).unwrap(),
    )
    .unwrap();
    let anchored = manifest["audit_head"]["seq"].as_i64().expect("the manifest records the audit head");
    assert!(anchored >= 3, "{manifest}");
    for i in 3..6 {
        record(&pool, NewAuditEvent::new(format!("associate{i}"), AuditAction::Login)).await.unwrap();
    }
    let verify = |expect_ok: bool| {
        let out = server(SERVER_LOGIN).args(["audit", "verify"]).output().unwrap();
        assert_eq!(out.status.success(), expect_ok, "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let intact = verify(true);
    assert!(intact.ends_with("agrees with 1 heads recorded in object storage"), "{intact}");

    // As a superuser with the guards off: edit the second event, then recompute every hash after
    // it and the head, so the chain is consistent in itself.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE audit_event SET actor = 'someone-else' WHERE seq = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    let events: Vec<(i64,)> =
        sqlx::query_as("SELECT seq FROM audit_event ORDER BY seq").fetch_all(&mut *conn).await.unwrap();
    let mut prev = domain::audit::GENESIS_HASH.to_vec();
    for (seq,) in events {
        let event = domain::audit::testing::event(&mut conn, seq).await;
        let hash = event.expected_hash(&prev).to_vec();
        sqlx::query("UPDATE audit_event SET prev_hash = $2, hash = $3 WHERE seq = $1")
            .bind(seq)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1").bind(&prev).execute(&mut *conn).await.unwrap();
    drop(conn);
    // On its own the rewritten chain holds together...
    assert!(domain::audit::verify(&pool).await.unwrap().to_string().starts_with("audit chain intact"));
    // ...but not with what the run wrote down.
    let manifest_path = storage.path().join("reports/2026-11-20/v1/manifest.json");
    let kept = std::fs::read(&manifest_path).unwrap();
    // Nor can the manifest simply be taken away: the run's own record names it.
    std::fs::remove_file(&manifest_path).unwrap();
    assert_eq!(
        verify(false),
        "audit heads BROKEN: reports/2026-11-20/v1/manifest.json is missing from object storage, or records no head"
    );
    std::fs::write(&manifest_path, kept).unwrap();
    let found = verify(false);
    assert_eq!(
        found,
        format!(
            "audit chain BROKEN at event {anchored}: its hash differs from the head recorded in \
             reports/2026-11-20/v1/manifest.json (the trail was rewritten)"
        )
    );
}
