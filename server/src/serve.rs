//! `server serve`: start the portal, and stop it gracefully.

use anyhow::Context;
use app::state::AppState;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::Auth;
use crate::config::{Config, Mode};
use crate::state::ServerState;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let metrics_handle = crate::metrics::install();
    let pool = domain::db::lazy_pool(config.web_database_options(), config.db_max_connections);
    let leptos_options = LeptosOptions::builder()
        .output_name(app::BUNDLE_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.listen_addr)
        .env(match config.mode {
            Mode::Development => Env::DEV,
            Mode::Production => Env::PROD,
        })
        .build();
    check_database_role(&config, &pool).await?;
    let auth = Auth::new(config.auth.clone()).context("setting up sign-in")?;
    let sign_in_origin = crate::auth::csrf::origin_of(&config.auth.issuer_url).into();
    let state = ServerState {
        app: AppState {
            leptos_options,
            pool: pool.clone(),
            audit: domain::audit::AuditLog::start(pool.clone()),
            sign_in_origin,
            limits: config.limits,
        },
        auth: std::sync::Arc::new(auth),
        store: config.object_store().await,
    };
    let edge = crate::http::Edge {
        rate_limits: crate::rate_limit::RateLimits::new(&config.edge),
        admission: crate::admission::Admission::new(config.edge),
        metrics: crate::metrics::Metrics::new(
            metrics_handle,
            config.metrics_token.as_ref().map(|t| t.expose().to_owned()),
            pool.clone(),
        ),
    };
    let router = crate::http::router(state, edge);
    spawn_expired_session_cleanup(pool.clone());

    let listener = TcpListener::bind(config.listen_addr)
        .await
        .with_context(|| format!("could not listen on {} (SETTLEDESK_LISTEN_ADDR)", config.listen_addr))?;
    tracing::info!(address = %listener.local_addr()?, mode = ?config.mode, "SettleDesk is listening");

    // Graceful shutdown: on Ctrl-C or SIGTERM stop accepting, let in-flight requests finish (for
    // at most the grace period), then close the pool.
    let (stopping_tx, mut stopping_rx) = watch::channel(false);
    if config.scheduler {
        // A pool of its own: a run's bulk loads and index builds hold several connections for
        // minutes, which must not keep people's pages waiting for one.
        let jobs_pool =
            domain::db::lazy_pool(config.job_database_options(), crate::recon_job::Job::CONNECTIONS);
        let job = crate::recon_job::Job::new(&config).await;
        let wake_scheduler = std::sync::Arc::new(tokio::sync::Notify::new());
        crate::watcher::spawn(
            jobs_pool.clone(),
            job.clone(),
            config.ingest_interval,
            wake_scheduler.clone(),
            stopping_rx.clone(),
        );
        crate::housekeeping::spawn(
            pool.clone(),
            config.alerts.clone(),
            config.retention,
            job.store.clone(),
            stopping_rx.clone(),
        );
        crate::payouts_job::spawn(
            pool.clone(),
            job.store.clone(),
            config.payout_sender.clone(),
            stopping_rx.clone(),
        );
        crate::scheduler::spawn(jobs_pool, job, wake_scheduler, stopping_rx.clone());
    }
    let server = crate::listener::serve(listener, router, config.edge.listener, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: no new connections, finishing requests in flight");
        let _ = stopping_tx.send(true);
    });
    let grace_expired = async {
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(config.shutdown_grace).await;
    };
    tokio::select! {
        () = server => {}
        () = grace_expired => tracing::warn!(
            grace_secs = config.shutdown_grace.as_secs(),
            "requests still running after the grace period were cut off"
        ),
    }
    pool.close().await;
    tracing::info!("SettleDesk stopped");
    Ok(())
}

/// The server must not connect as a role that could rewrite the audit trail or the ledger
/// (docs/operations.md, "Database roles"): production refuses to start so; development warns.
async fn check_database_role(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    match (domain::db::connected_as_owner(pool).await, config.mode) {
        (Ok(false), _) => Ok(()),
        (Ok(true), Mode::Production) => anyhow::bail!(
            "DATABASE_URL connects as a superuser, as the owner of the audit trail, or as a role that \
             may write functions; the server must connect as a member of settledesk_app (migrations \
             run as the owner; see docs/operations.md, Database roles)"
        ),
        (Ok(true), Mode::Development) => {
            tracing::warn!(
                "connected as a role that could switch the audit trail's guards off (development only)"
            );
            Ok(())
        }
        (Err(e), Mode::Production) => Err(e).context("checking the database role at start-up"),
        // The portal starts without its database and says so on every page until it comes.
        (Err(e), Mode::Development) => {
            tracing::warn!(error = %e, "could not check the database role");
            Ok(())
        }
    }
}

/// Deletes sessions past their expiry every few minutes (expired ones are already refused on read).
fn spawn_expired_session_cleanup(pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            every.tick().await;
            if let Err(e) = sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < now()")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "expired-session cleanup skipped");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
