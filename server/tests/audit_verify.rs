//! `server audit verify`, run as an operator would, against a trail edited or cut behind the
//! database's back (as a superuser can, with the append-only triggers switched off).

use std::process::{Command, Output};

use domain::audit::{record, AuditAction, NewAuditEvent};
use sqlx::PgPool;

mod common;
use common::database_url;

fn audit_verify(pool: &PgPool) -> (i32, String) {
    let Output { status, stdout, stderr } = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url(pool))
        .output()
        .unwrap();
    let out = String::from_utf8(stdout).unwrap().trim().to_owned();
    let code = status.code().expect("exited normally");
    assert!(code <= 1, "failed to run (status {code}): {}", String::from_utf8_lossy(&stderr));
    (code, out)
}

async fn record_logins(pool: &PgPool, n: usize) {
    for i in 0..n {
        record(pool, NewAuditEvent::new(format!("associate{i}"), AuditAction::Login)).await.unwrap();
    }
}

async fn as_superuser_without_guard(pool: &PgPool, sql: &str) {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    sqlx::query(sql).execute(&mut *conn).await.unwrap();
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn an_intact_trail_verifies(pool: PgPool) {
    record_logins(&pool, 4).await;
    let (code, out) = audit_verify(&pool);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("audit chain intact: 4 events, head "), "{out}");
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn an_edited_row_is_reported_where_it_is(pool: PgPool) {
    record_logins(&pool, 6).await;
    as_superuser_without_guard(&pool, "UPDATE audit_event SET actor = 'someone-else' WHERE seq = 4").await;
    let (code, out) = audit_verify(&pool);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "audit chain BROKEN at event 4: its content does not match its hash (edited)");
}

#[sqlx::test(migrator = "domain::db::MIGRATOR")]
async fn a_deleted_row_is_reported_where_it_was(pool: PgPool) {
    record_logins(&pool, 6).await;
    as_superuser_without_guard(&pool, "DELETE FROM audit_event WHERE seq = 5").await;
    let (code, out) = audit_verify(&pool);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "audit chain BROKEN at event 5: it is missing (deleted)");
}
