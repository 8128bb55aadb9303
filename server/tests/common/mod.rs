//! What the server's integration tests share.

use sqlx::PgPool;

/// The URL of the test's own database (the fixture makes a fresh one per test), on the cluster
/// `DATABASE_URL` names, as the same user: for the `server` binary the test runs.
pub fn database_url(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL points at the test cluster");
    let name = pool.connect_options().get_database().expect("a database name").to_owned();
    let (server, _) = base.rsplit_once('/').expect("DATABASE_URL ends in a database name");
    format!("{server}/{name}")
}
