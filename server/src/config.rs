//! Typed configuration, read once from the environment at start-up.
//!
//! Every setting has a local default so `./dev` needs no set-up; in production the settings that
//! must not be guessed are required, and a missing one stops start-up with a message naming it.
//! `.env.example` lists them all.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use domain::access::RoleMapping;
use domain::storage::{ObjectStore, S3Settings};
use sqlx::postgres::PgConnectOptions;

/// The local default database: the private cluster that `./dev` starts.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:54320/settledesk";
/// The local default identity provider: the one in `identity-provider/` that `./dev` starts.
const DEFAULT_OIDC_ISSUER: &str = "http://127.0.0.1:3100";
const DEFAULT_OIDC_CLIENT_SECRET: &str = "settledesk-local-client-secret";
const DEFAULT_CARD_TOKEN_KEY: &str = "settledesk-local-card-token-key";
/// The shortest secret production accepts: 32 characters, as a generated key or secret is.
const MIN_SECRET_CHARS: usize = 32;
const DEFAULT_ROLE_GROUPS: &str = "viewer=settledesk-viewers,associate=settledesk-associates,\
    approver=settledesk-approvers,admin=settledesk-admins";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub listen_addr: SocketAddr,
    pub database_url: Secret,
    pub db_max_connections: u32,
    /// Longest a statement of a page or server function may run before PostgreSQL cancels it.
    pub web_statement_timeout: Duration,
    /// Longest a statement of a job (ingestion, a run's bulk loads and index builds) may run.
    pub job_statement_timeout: Duration,
    /// Where the built site (`pkg/` with the wasm bundle, and the public assets) lives.
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    pub auth: AuthConfig,
    /// Key of the keyed hash that stands in for card numbers (shared with the Zelle extract job).
    pub card_token_key: Secret,
    /// The local object store's directory (feeds and reports) when no S3 bucket is configured.
    pub local_storage_dir: PathBuf,
    /// The S3 bucket for feeds and reports, when `SETTLEDESK_S3_BUCKET` is set.
    pub s3: Option<S3Settings>,
    /// Whether `serve` runs the daily reconciliation schedule and the inbound watcher.
    pub scheduler: bool,
    /// How often the inbound watcher lists the inbound store.
    pub ingest_interval: Duration,
    /// The bearer token a scraper of `/metrics` must send; without one, `/metrics` is open (on a
    /// laptop). Required in production.
    pub metrics_token: Option<Secret>,
    /// Where alerts go, and when an approval has waited too long.
    pub alerts: AlertConfig,
    /// The limits at the edge: connections, slow clients, rate limits and back-pressure.
    pub edge: EdgeConfig,
    /// Maker-checker limits, in USD: two approvers above `SETTLEDESK_DUAL_APPROVAL_ABOVE_USD`,
    /// nothing above `SETTLEDESK_ACTION_MAX_USD`, FX rates within `SETTLEDESK_FX_BAND_BPS` of the
    /// reference, pending actions expire after `SETTLEDESK_ACTION_EXPIRY_HOURS`.
    pub limits: domain::ledger::limits::Policy,
    /// How long the database keeps items and payments (`SETTLEDESK_RETAIN_*_DAYS`).
    pub retention: domain::retention::Policy,
    /// Who sends payment instructions to the hub, from which of the bank's accounts
    /// (`SETTLEDESK_PAYOUT_*`).
    pub payout_sender: domain::payouts::outbox::Sender,
}

#[derive(Debug, Clone)]
pub struct AlertConfig {
    pub webhook: Option<WebhookConfig>,
    pub mail: Option<MailConfig>,
    /// How long a ledger action may wait for its approver, and a sent payout for its final
    /// status, before an alert.
    pub waits: domain::alerts::Waits,
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// The key of each delivery's HMAC-SHA-256 signature.
    pub secret: Secret,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub from: String,
    pub to: Vec<String>,
    pub credentials: Option<(String, Secret)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP: a relay on the same host, or a test's sink. Refused in production.
    None,
    StartTls,
    Tls,
}

/// What one client, or everyone together, may ask of the portal at once.
#[derive(Debug, Clone, Copy)]
pub struct EdgeConfig {
    pub listener: crate::listener::Edge,
    /// Requests per minute one address may make to `/auth/*` (a burst of as many is allowed).
    pub sign_in_per_minute: u32,
    /// Requests per minute one address may make to the help-desk lookup.
    pub lookup_per_minute: u32,
    /// Requests one session (or, without one, one address) may have in progress at once; more
    /// wait in a short queue, and beyond it are refused with 429.
    pub per_client_concurrency: u32,
    pub per_client_queue: u32,
    /// Requests in progress at once over everyone, in front of the database pool (by default as
    /// many as it has connections); more wait, and after `queue_wait` are refused with 503.
    pub concurrency: u32,
    pub queue_wait: Duration,
}

/// Sign-in through the bank's OpenID Connect provider, and the sessions that follow.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The portal's own address as browsers reach it: the OIDC redirect URL is built from it,
    /// cross-site requests are told apart by it, and an `https` one makes cookies `Secure`.
    pub public_url: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub role_mapping: RoleMapping,
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however busy.
    pub max_lifetime: Duration,
}

impl AuthConfig {
    pub fn redirect_url(&self) -> String {
        format!("{}/auth/callback", self.public_url)
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} must be set when SETTLEDESK_ENV=production (see .env.example)")]
    Missing { name: &'static str },
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("{name} is not fit for production: {reason}")]
    NotForProduction { name: &'static str, reason: &'static str },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let settings = Settings { lookup: &lookup };
        let mode = match settings.optional("SETTLEDESK_ENV").as_deref() {
            None | Some("development") => Mode::Development,
            Some("production") => Mode::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "SETTLEDESK_ENV",
                    reason: format!("'{other}' is neither 'development' nor 'production'"),
                })
            }
        };
        let required = |name: &'static str, local_default: &str| match (settings.optional(name), mode) {
            (Some(value), _) => Ok(value),
            (None, Mode::Development) => Ok(local_default.to_owned()),
            (None, Mode::Production) => Err(ConfigError::Missing { name }),
        };

        let database_url = required("DATABASE_URL", DEFAULT_DATABASE_URL)?;
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                reason: "must be a postgres:// or postgresql:// URL".into(),
            });
        }
        PgConnectOptions::from_str(&database_url).map_err(|e| ConfigError::Invalid {
            name: "DATABASE_URL",
            reason: e.to_string().replace(&database_url, "<the url>"),
        })?;
        let log_format = match settings.optional("SETTLEDESK_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "SETTLEDESK_LOG_FORMAT",
                    reason: format!("'{other}' is neither 'text' nor 'json'"),
                })
            }
        };
        let db_max_connections: u32 = positive(&settings, "SETTLEDESK_DB_MAX_CONNECTIONS", 10)?;
        let config = Config {
            mode,
            listen_addr: settings
                .parse("SETTLEDESK_LISTEN_ADDR", required("SETTLEDESK_LISTEN_ADDR", "127.0.0.1:3000")?)?,
            database_url: Secret(database_url),
            db_max_connections,
            web_statement_timeout: Duration::from_secs(
                settings.parse_or("SETTLEDESK_DB_STATEMENT_TIMEOUT_SECS", 15)?,
            ),
            job_statement_timeout: Duration::from_secs(
                settings.parse_or("SETTLEDESK_DB_JOB_STATEMENT_TIMEOUT_SECS", 30 * 60)?,
            ),
            site_root: settings
                .optional("SETTLEDESK_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            log_format,
            shutdown_grace: Duration::from_secs(settings.parse_or("SETTLEDESK_SHUTDOWN_GRACE_SECS", 20)?),
            auth: AuthConfig {
                public_url: required("SETTLEDESK_PUBLIC_URL", "http://127.0.0.1:3000")?
                    .trim_end_matches('/')
                    .to_owned(),
                issuer_url: required("SETTLEDESK_OIDC_ISSUER", DEFAULT_OIDC_ISSUER)?,
                client_id: required("SETTLEDESK_OIDC_CLIENT_ID", "settledesk")?,
                client_secret: Secret(required("SETTLEDESK_OIDC_CLIENT_SECRET", DEFAULT_OIDC_CLIENT_SECRET)?),
                role_mapping: RoleMapping::parse(&required("SETTLEDESK_ROLE_GROUPS", DEFAULT_ROLE_GROUPS)?)
                    .map_err(|e| ConfigError::Invalid {
                    name: "SETTLEDESK_ROLE_GROUPS",
                    reason: e.to_string(),
                })?,
                idle_timeout: Duration::from_secs(
                    settings.parse_or("SETTLEDESK_SESSION_IDLE_SECS", 15 * 60)?,
                ),
                max_lifetime: Duration::from_secs(
                    settings.parse_or("SETTLEDESK_SESSION_MAX_SECS", 12 * 3600)?,
                ),
            },
            card_token_key: Secret(required("SETTLEDESK_CARD_TOKEN_KEY", DEFAULT_CARD_TOKEN_KEY)?),
            local_storage_dir: settings
                .optional("SETTLEDESK_LOCAL_STORAGE_DIR")
                .unwrap_or_else(|| ".local/objects".into())
                .into(),
            s3: match settings.optional("SETTLEDESK_S3_BUCKET") {
                None => None,
                Some(bucket) => Some(S3Settings {
                    endpoint: settings.optional("SETTLEDESK_S3_ENDPOINT"),
                    region: settings.optional("SETTLEDESK_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                    bucket,
                    path_style: match settings.optional("SETTLEDESK_S3_PATH_STYLE").as_deref() {
                        None | Some("off") => false,
                        Some("on") => true,
                        Some(other) => {
                            return Err(ConfigError::Invalid {
                                name: "SETTLEDESK_S3_PATH_STYLE",
                                reason: format!("'{other}' is neither 'on' nor 'off'"),
                            })
                        }
                    },
                    keys: match (
                        settings.optional("SETTLEDESK_S3_ACCESS_KEY"),
                        settings.optional("SETTLEDESK_S3_SECRET_KEY"),
                    ) {
                        (Some(access_key), Some(secret_key)) => {
                            Some(domain::storage::StaticKeys { access_key, secret_key })
                        }
                        (None, None) => None,
                        (Some(_), None) => {
                            return Err(ConfigError::Missing { name: "SETTLEDESK_S3_SECRET_KEY" })
                        }
                        (None, Some(_)) => {
                            return Err(ConfigError::Missing { name: "SETTLEDESK_S3_ACCESS_KEY" })
                        }
                    },
                }),
            },
            ingest_interval: match settings.parse_or("SETTLEDESK_INGEST_INTERVAL_SECS", 60u64)? {
                0 => {
                    return Err(ConfigError::Invalid {
                        name: "SETTLEDESK_INGEST_INTERVAL_SECS",
                        reason: "the watcher needs at least a second between looks".into(),
                    })
                }
                secs => Duration::from_secs(secs),
            },
            limits: limits(&settings)?,
            retention: retention(&settings)?,
            metrics_token: settings.optional("SETTLEDESK_METRICS_TOKEN").map(Secret),
            alerts: alerts(&settings)?,
            payout_sender: payout_sender(&settings, &required, mode)?,
            edge: EdgeConfig {
                listener: crate::listener::Edge {
                    header_read_timeout: Duration::from_secs(
                        settings.parse_or("SETTLEDESK_HEADER_READ_TIMEOUT_SECS", 10)?,
                    ),
                    max_connections: settings.parse_or("SETTLEDESK_MAX_CONNECTIONS", 1024)?,
                    // Required in production: behind a load balancer, 0 would put every client
                    // in the balancer's one rate-limit bucket (30 sign-ins a minute for the bank).
                    trusted_proxy_hops: settings.parse(
                        "SETTLEDESK_TRUSTED_PROXY_HOPS",
                        required("SETTLEDESK_TRUSTED_PROXY_HOPS", "0")?,
                    )?,
                },
                sign_in_per_minute: positive(&settings, "SETTLEDESK_SIGN_IN_RATE_PER_MINUTE", 30)?,
                lookup_per_minute: positive(&settings, "SETTLEDESK_LOOKUP_RATE_PER_MINUTE", 120)?,
                per_client_concurrency: positive(&settings, "SETTLEDESK_PER_CLIENT_CONCURRENCY", 4)?,
                per_client_queue: settings.parse_or("SETTLEDESK_PER_CLIENT_QUEUE", 16)?,
                // As many as the pool has connections: each admitted request can have one, and the
                // rest wait in the admission queue (bounded) rather than the pool's (3 s, then an
                // error deep inside a page).
                concurrency: positive(&settings, "SETTLEDESK_CONCURRENCY", db_max_connections)?,
                queue_wait: Duration::from_secs(settings.parse_or("SETTLEDESK_QUEUE_WAIT_SECS", 10)?),
            },
            scheduler: match settings.optional("SETTLEDESK_SCHEDULER").as_deref() {
                None | Some("on") => true,
                Some("off") => false,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "SETTLEDESK_SCHEDULER",
                        reason: format!("'{other}' is neither 'on' nor 'off'"),
                    })
                }
            },
        };
        if mode == Mode::Production {
            config.check_fit_for_production()?;
        }
        Ok(config)
    }

    /// What production refuses even when every setting is present: the public local defaults (with
    /// the published card-token key, fingerprints turn back into card numbers), short secrets,
    /// plain http where tokens and cookies travel, and a local disk in place of the bank's bucket.
    fn check_fit_for_production(&self) -> Result<(), ConfigError> {
        let secret = |name: &'static str, value: &Secret, local_default: &str| {
            if value.expose() == local_default {
                Err(ConfigError::NotForProduction { name, reason: "it is the published local default" })
            } else if value.expose().chars().count() < MIN_SECRET_CHARS {
                Err(ConfigError::NotForProduction { name, reason: "it is shorter than 32 characters" })
            } else {
                Ok(())
            }
        };
        secret("SETTLEDESK_OIDC_CLIENT_SECRET", &self.auth.client_secret, DEFAULT_OIDC_CLIENT_SECRET)?;
        secret("SETTLEDESK_CARD_TOKEN_KEY", &self.card_token_key, DEFAULT_CARD_TOKEN_KEY)?;
        match &self.metrics_token {
            None => return Err(ConfigError::Missing { name: "SETTLEDESK_METRICS_TOKEN" }),
            Some(token) => secret("SETTLEDESK_METRICS_TOKEN", token, "")?,
        }
        let https = |name: &'static str, url: &str| {
            if url.starts_with("https://") {
                Ok(())
            } else {
                Err(ConfigError::NotForProduction { name, reason: "it must be an https:// address" })
            }
        };
        https("SETTLEDESK_PUBLIC_URL", &self.auth.public_url)?;
        match &self.alerts.webhook {
            None => return Err(ConfigError::Missing { name: "SETTLEDESK_ALERT_WEBHOOK_URL" }),
            Some(webhook) => {
                https("SETTLEDESK_ALERT_WEBHOOK_URL", &webhook.url)?;
                secret("SETTLEDESK_ALERT_WEBHOOK_SECRET", &webhook.secret, "")?;
            }
        }
        if self.alerts.mail.as_ref().is_some_and(|mail| mail.security == SmtpSecurity::None) {
            return Err(ConfigError::NotForProduction {
                name: "SETTLEDESK_ALERT_SMTP_SECURITY",
                reason: "mail leaves the host: use starttls or tls",
            });
        }
        https("SETTLEDESK_OIDC_ISSUER", &self.auth.issuer_url)?;
        if self.s3.is_none() {
            return Err(ConfigError::Missing { name: "SETTLEDESK_S3_BUCKET" });
        }
        Ok(())
    }

    /// Where feeds and reports live: the S3 bucket if one is configured, else the local directory.
    pub async fn object_store(&self) -> ObjectStore {
        match &self.s3 {
            Some(settings) => ObjectStore::s3(settings).await,
            None => ObjectStore::local(&self.local_storage_dir),
        }
    }

    /// The database as configured, with no limits of ours: for migrations.
    pub fn database_options(&self) -> PgConnectOptions {
        // Validated in `from_lookup`.
        PgConnectOptions::from_str(self.database_url.expose())
            .expect("DATABASE_URL was validated at start-up")
    }

    /// For the pool behind people's pages: a statement that runs away is cancelled (the page
    /// answers 503) instead of holding one of the few connections, and so is a transaction left
    /// idle by a stuck request.
    ///
    /// Without JIT compilation or parallel workers: a page's statements are short index walks, but
    /// on a ten-million-item day their joins are costed at billions of rows, which turned both on
    /// (JIT took 19 ms of a 1 ms page; workers were launched even for a part of a statement never
    /// executed), and with fifty people at once neither has a spare core to use.
    pub fn web_database_options(&self) -> PgConnectOptions {
        let options =
            with_timeouts(self.database_options(), self.web_statement_timeout, Some(Duration::from_secs(60)));
        options.options([("jit", "off"), ("max_parallel_workers_per_gather", "0")])
    }

    /// For jobs (ingestion, runs, housekeeping, commands): a run's bulk loads take minutes on a
    /// large day, so their limit is longer.
    pub fn job_database_options(&self) -> PgConnectOptions {
        with_timeouts(self.database_options(), self.job_statement_timeout, None)
    }
}

/// Server-side limits every connection of a pool starts with (`-c name=value` at connect time, so
/// they hold for every statement, including those of libraries such as the session store).
fn with_timeouts(
    options: PgConnectOptions,
    statement: Duration,
    idle_in_transaction: Option<Duration>,
) -> PgConnectOptions {
    let millis = |d: Duration| format!("{}ms", d.as_millis());
    let mut settings = vec![("statement_timeout", millis(statement))];
    if let Some(idle) = idle_in_transaction {
        settings.push(("idle_in_transaction_session_timeout", millis(idle)));
    }
    options.options(settings)
}

struct Settings<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Settings<'_> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    fn parse<T: FromStr>(&self, name: &'static str, raw: String) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        raw.parse().map_err(|e: T::Err| ConfigError::Invalid { name, reason: format!("'{raw}': {e}") })
    }

    fn parse_or<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            Some(raw) => self.parse(name, raw),
            None => Ok(default),
        }
    }
}

/// The bank's own side of its payment instructions: required in production (the local defaults
/// name a demo account), and checked as the hub will check it.
fn payout_sender(
    settings: &Settings<'_>,
    required: &impl Fn(&'static str, &str) -> Result<String, ConfigError>,
    mode: Mode,
) -> Result<domain::payouts::outbox::Sender, ConfigError> {
    use domain::iso20022::pain001::{is_iban, Account, Agent, Party};
    let account = required("SETTLEDESK_PAYOUT_DEBTOR_ACCOUNT", "000123456789")?;
    // The bank's BIC, its ABA routing number, or both: production names what it has.
    let optional = |name, local_default: &str| {
        let value = match (settings.optional(name), mode) {
            (Some(value), _) => Some(value),
            (None, Mode::Development) => Some(local_default.to_owned()),
            (None, Mode::Production) => None,
        };
        Ok::<_, ConfigError>(value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
    };
    let sender = domain::payouts::outbox::Sender {
        initiating_party: required("SETTLEDESK_PAYOUT_INITIATING_PARTY", "SettleDesk demo bank")?,
        debtor: Party {
            name: required("SETTLEDESK_PAYOUT_DEBTOR_NAME", "Demo bank payouts")?,
            account: if is_iban(&account) { Account::Iban(account) } else { Account::Other(account) },
            agent: Agent {
                bic: optional("SETTLEDESK_PAYOUT_DEBTOR_BIC", "DEMOUS33XXX")?,
                aba: optional("SETTLEDESK_PAYOUT_DEBTOR_ABA", "021000021")?,
            },
        },
    };
    sender.debtor.check_as_debtor().map_err(|e| {
        use domain::iso20022::pain001::InitiationError as E;
        let name = match &e {
            E::Identifier { what: "ABA routing number", .. } => "SETTLEDESK_PAYOUT_DEBTOR_ABA",
            E::Identifier { what: "BIC" | "BIC or ABA routing number", .. } => "SETTLEDESK_PAYOUT_DEBTOR_BIC",
            E::Length { field: "debtor", .. } | E::Control { .. } => "SETTLEDESK_PAYOUT_DEBTOR_NAME",
            _ => "SETTLEDESK_PAYOUT_DEBTOR_ACCOUNT",
        };
        ConfigError::Invalid { name, reason: e.to_string() }
    })?;
    Ok(sender)
}

/// Alert delivery: the webhook (URL and signing secret together) and mail (host, from and to
/// together), each optional in development.
fn alerts(settings: &Settings<'_>) -> Result<AlertConfig, ConfigError> {
    let webhook = match (
        settings.optional("SETTLEDESK_ALERT_WEBHOOK_URL"),
        settings.optional("SETTLEDESK_ALERT_WEBHOOK_SECRET"),
    ) {
        (None, None) => None,
        (Some(url), Some(secret)) => Some(WebhookConfig { url, secret: Secret(secret) }),
        (Some(_), None) => return Err(ConfigError::Missing { name: "SETTLEDESK_ALERT_WEBHOOK_SECRET" }),
        (None, Some(_)) => return Err(ConfigError::Missing { name: "SETTLEDESK_ALERT_WEBHOOK_URL" }),
    };
    let mail = match settings.optional("SETTLEDESK_ALERT_SMTP_HOST") {
        None => None,
        Some(host) => {
            let security = match settings.optional("SETTLEDESK_ALERT_SMTP_SECURITY").as_deref() {
                None | Some("starttls") => SmtpSecurity::StartTls,
                Some("tls") => SmtpSecurity::Tls,
                Some("none") => SmtpSecurity::None,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "SETTLEDESK_ALERT_SMTP_SECURITY",
                        reason: format!("'{other}' is none of 'starttls', 'tls' and 'none'"),
                    })
                }
            };
            let default_port = match security {
                SmtpSecurity::Tls => 465,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::None => 25,
            };
            let to: Vec<String> = settings
                .optional("SETTLEDESK_ALERT_MAIL_TO")
                .ok_or(ConfigError::Missing { name: "SETTLEDESK_ALERT_MAIL_TO" })?
                .split(',')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect();
            Some(MailConfig {
                host,
                port: settings.parse_or("SETTLEDESK_ALERT_SMTP_PORT", default_port)?,
                security,
                from: settings
                    .optional("SETTLEDESK_ALERT_MAIL_FROM")
                    .ok_or(ConfigError::Missing { name: "SETTLEDESK_ALERT_MAIL_FROM" })?,
                to,
                credentials: settings.optional("SETTLEDESK_ALERT_SMTP_USER").map(|user| {
                    (user, Secret(settings.optional("SETTLEDESK_ALERT_SMTP_PASSWORD").unwrap_or_default()))
                }),
            })
        }
    };
    Ok(AlertConfig {
        webhook,
        mail,
        waits: domain::alerts::Waits {
            approval: chrono::Duration::minutes(i64::from(positive(
                settings,
                "SETTLEDESK_ALERT_APPROVAL_WAIT_MINUTES",
                60,
            )?)),
            payout_status: chrono::Duration::hours(i64::from(positive(
                settings,
                "SETTLEDESK_ALERT_PAYOUT_STATUS_WAIT_HOURS",
                48,
            )?)),
        },
    })
}

/// A count that must be at least 1.
fn positive(settings: &Settings<'_>, name: &'static str, default: u32) -> Result<u32, ConfigError> {
    match settings.parse_or(name, default)? {
        0 => Err(ConfigError::Invalid { name, reason: "must be at least 1".into() }),
        n => Ok(n),
    }
}

/// The retention periods, in days: a superseded run version's items after the version that
/// superseded it, any run's items and any Zelle extract's payments after their business date.
fn retention(settings: &Settings<'_>) -> Result<domain::retention::Policy, ConfigError> {
    let defaults = domain::retention::Policy::default();
    domain::retention::Policy::new(
        settings.parse_or("SETTLEDESK_RETAIN_SUPERSEDED_DAYS", defaults.superseded_days)?,
        settings.parse_or("SETTLEDESK_RETAIN_ITEMS_DAYS", defaults.items_days)?,
        settings.parse_or("SETTLEDESK_RETAIN_INBOUND_DAYS", defaults.inbound_days)?,
    )
    .map_err(|e| {
        let name = match e.period() {
            domain::retention::Period::Items => "SETTLEDESK_RETAIN_ITEMS_DAYS",
            domain::retention::Period::Inbound => "SETTLEDESK_RETAIN_INBOUND_DAYS",
        };
        ConfigError::Invalid { name, reason: e.to_string() }
    })
}

/// The maker-checker limits, whole US dollars in the environment.
fn limits(settings: &Settings<'_>) -> Result<domain::ledger::limits::Policy, ConfigError> {
    let defaults = domain::ledger::limits::Policy::default();
    let dollars = |name: &'static str, default_minor: i64| -> Result<i64, ConfigError> {
        let whole: u32 = settings.parse_or(name, u32::try_from(default_minor / 100).unwrap_or(u32::MAX))?;
        Ok(i64::from(whole) * 100)
    };
    let dual = dollars("SETTLEDESK_DUAL_APPROVAL_ABOVE_USD", defaults.dual_approval_above_usd_minor)?;
    let max = dollars("SETTLEDESK_ACTION_MAX_USD", defaults.max_usd_minor)?;
    if dual >= max {
        return Err(ConfigError::Invalid {
            name: "SETTLEDESK_DUAL_APPROVAL_ABOVE_USD",
            reason: "must be below SETTLEDESK_ACTION_MAX_USD".into(),
        });
    }
    let fx_band_bps: u32 = settings.parse_or("SETTLEDESK_FX_BAND_BPS", defaults.fx_band_bps)?;
    if !(1..=5_000).contains(&fx_band_bps) {
        return Err(ConfigError::Invalid {
            name: "SETTLEDESK_FX_BAND_BPS",
            reason: "must be 1 to 5000".into(),
        });
    }
    let hours: u32 = settings.parse_or("SETTLEDESK_ACTION_EXPIRY_HOURS", 24)?;
    if !(1..=24 * 14).contains(&hours) {
        return Err(ConfigError::Invalid {
            name: "SETTLEDESK_ACTION_EXPIRY_HOURS",
            reason: "must be 1 to 336 (two weeks)".into(),
        });
    }
    Ok(domain::ledger::limits::Policy {
        dual_approval_above_usd_minor: dual,
        max_usd_minor: max,
        fx_band_bps,
        expires_after: chrono::Duration::hours(i64::from(hours)),
    })
}

/// A value that must never reach a log: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn development_runs_on_local_defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(config.mode, Mode::Development);
        assert_eq!(config.listen_addr, "127.0.0.1:3000".parse().unwrap());
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn the_portal_s_connections_plan_without_jit_or_workers_and_jobs_keep_both() {
        let config = config(&[]).unwrap();
        let web = config.web_database_options();
        let web = web.get_options().unwrap_or_default();
        for setting in ["-c statement_timeout=", "-c jit=off", "-c max_parallel_workers_per_gather=0"] {
            assert!(web.contains(setting), "{web}");
        }
        let jobs = config.job_database_options();
        let jobs = jobs.get_options().unwrap_or_default();
        assert!(
            !jobs.contains("jit") && !jobs.contains("parallel"),
            "a run's bulk statements may use them: {jobs}"
        );
    }

    #[test]
    fn limits_are_whole_dollars_and_an_upside_down_pair_is_refused() {
        let set =
            config(&[("SETTLEDESK_DUAL_APPROVAL_ABOVE_USD", "5000"), ("SETTLEDESK_FX_BAND_BPS", "200")])
                .unwrap();
        assert_eq!((set.limits.dual_approval_above_usd_minor, set.limits.fx_band_bps), (500_000, 200));
        for bad in [
            [("SETTLEDESK_DUAL_APPROVAL_ABOVE_USD", "1000"), ("SETTLEDESK_ACTION_MAX_USD", "1000")],
            [("SETTLEDESK_DUAL_APPROVAL_ABOVE_USD", "-5"), ("SETTLEDESK_FX_BAND_BPS", "100")],
            [("SETTLEDESK_FX_BAND_BPS", "0"), ("SETTLEDESK_ACTION_EXPIRY_HOURS", "24")],
            [("SETTLEDESK_ACTION_EXPIRY_HOURS", "100000"), ("SETTLEDESK_FX_BAND_BPS", "100")],
        ] {
            assert!(config(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn production_names_the_missing_setting() {
        let err = config(&[("SETTLEDESK_ENV", "production")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "DATABASE_URL" });
        assert!(err.to_string().contains("DATABASE_URL must be set"));

        let err =
            config(&[("SETTLEDESK_ENV", "production"), ("DATABASE_URL", "postgres://db/x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "SETTLEDESK_LISTEN_ADDR" });
    }

    /// Every setting production requires, each fit for it.
    const PRODUCTION: &[(&str, &str)] = &[
        ("SETTLEDESK_ENV", "production"),
        ("DATABASE_URL", "postgres://app:pw@db.internal/settledesk"),
        ("SETTLEDESK_LISTEN_ADDR", "0.0.0.0:8080"),
        ("SETTLEDESK_LOG_FORMAT", "json"),
        ("SETTLEDESK_PUBLIC_URL", "https://settledesk.bank.example/"),
        ("SETTLEDESK_OIDC_ISSUER", "https://sso.bank.example"),
        ("SETTLEDESK_OIDC_CLIENT_ID", "settledesk-prod"),
        ("SETTLEDESK_OIDC_CLIENT_SECRET", "s3cret-generated-by-the-sso-team-4f9a2c"),
        ("SETTLEDESK_ROLE_GROUPS", "viewer=helpdesk,associate=recon,approver=ops-leads,admin=it-ops"),
        ("SETTLEDESK_CARD_TOKEN_KEY", "0123456789abcdef0123456789abcdef"),
        ("SETTLEDESK_S3_BUCKET", "settledesk-prod"),
        ("SETTLEDESK_S3_ACCESS_KEY", "AKIDPROD"),
        ("SETTLEDESK_S3_SECRET_KEY", "secret-key-prod"),
        ("SETTLEDESK_METRICS_TOKEN", "scraper-token-0123456789abcdef0123"),
        ("SETTLEDESK_ALERT_WEBHOOK_URL", "https://alerts.bank.example/settledesk"),
        ("SETTLEDESK_ALERT_WEBHOOK_SECRET", "webhook-secret-0123456789abcdef0123"),
        ("SETTLEDESK_TRUSTED_PROXY_HOPS", "1"),
        ("SETTLEDESK_PAYOUT_INITIATING_PARTY", "Example Bank N.A."),
        ("SETTLEDESK_PAYOUT_DEBTOR_NAME", "Example Bank settlement operations"),
        ("SETTLEDESK_PAYOUT_DEBTOR_ACCOUNT", "987654321012"),
        ("SETTLEDESK_PAYOUT_DEBTOR_ABA", "026009593"),
    ];

    /// The production settings with `name` replaced by `value` (or removed when `None`).
    fn production_with(name: &str, value: Option<&str>) -> Result<Config, ConfigError> {
        let mut vars: Vec<(&str, &str)> = PRODUCTION.iter().copied().filter(|(k, _)| *k != name).collect();
        if let Some(value) = value {
            vars.push((name, value));
        }
        config(&vars)
    }

    #[test]
    fn production_with_every_required_setting_starts() {
        let config = config(PRODUCTION).unwrap();
        assert_eq!(config.mode, Mode::Production);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.auth.redirect_url(), "https://settledesk.bank.example/auth/callback");
        assert!(config.auth.secure_cookies());
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn production_refuses_local_defaults_short_secrets_plain_http_and_a_local_disk() {
        let refused = [
            ("SETTLEDESK_CARD_TOKEN_KEY", Some(DEFAULT_CARD_TOKEN_KEY)),
            ("SETTLEDESK_CARD_TOKEN_KEY", Some("0123456789abcdef0123456789abcde")),
            ("SETTLEDESK_OIDC_CLIENT_SECRET", Some(DEFAULT_OIDC_CLIENT_SECRET)),
            ("SETTLEDESK_OIDC_CLIENT_SECRET", Some("s3cret")),
            ("SETTLEDESK_PUBLIC_URL", Some("http://settledesk.bank.example")),
            ("SETTLEDESK_OIDC_ISSUER", Some("http://sso.bank.example")),
            ("SETTLEDESK_OIDC_ISSUER", Some(DEFAULT_OIDC_ISSUER)),
            ("SETTLEDESK_S3_BUCKET", None),
            ("SETTLEDESK_TRUSTED_PROXY_HOPS", None),
            ("SETTLEDESK_METRICS_TOKEN", None),
            ("SETTLEDESK_METRICS_TOKEN", Some("short-token")),
            ("SETTLEDESK_ALERT_WEBHOOK_URL", Some("http://alerts.bank.example/settledesk")),
            ("SETTLEDESK_ALERT_WEBHOOK_SECRET", Some("tiny-secret")),
            // Payouts leave from the bank's own account, named, never a demo default.
            ("SETTLEDESK_PAYOUT_DEBTOR_ACCOUNT", None),
            ("SETTLEDESK_PAYOUT_DEBTOR_NAME", None),
            ("SETTLEDESK_PAYOUT_DEBTOR_ABA", Some("123456789")),
            ("SETTLEDESK_PAYOUT_DEBTOR_BIC", Some("NOT-A-BIC")),
        ];
        for (name, value) in refused {
            let err = production_with(name, value).unwrap_err();
            let named = match &err {
                ConfigError::NotForProduction { name, .. } | ConfigError::Missing { name } => *name,
                ConfigError::Invalid { name, .. } => name,
            };
            assert_eq!(named, name, "{value:?}: {err}");
            assert!(
                !err.to_string().contains(value.unwrap_or("\u{0}")),
                "the error repeats the secret: {err}"
            );
        }
        // The same values are fine on a laptop.
        assert!(config(&[("SETTLEDESK_CARD_TOKEN_KEY", "short")]).is_ok());
    }

    #[tokio::test]
    async fn a_bucket_setting_switches_storage_to_s3_and_its_keys_never_print() {
        let local = config(&[]).unwrap();
        assert!(matches!(local.object_store().await, ObjectStore::Local { .. }));
        // Keys come in pairs, or not at all (then the AWS default credential chain).
        let err =
            config(&[("SETTLEDESK_S3_BUCKET", "feeds"), ("SETTLEDESK_S3_SECRET_KEY", "x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "SETTLEDESK_S3_ACCESS_KEY" });
        let chain = config(&[("SETTLEDESK_S3_BUCKET", "feeds")]).unwrap();
        assert!(chain.s3.as_ref().unwrap().keys.is_none());
        let config = config(&[
            ("SETTLEDESK_S3_BUCKET", "feeds"),
            ("SETTLEDESK_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("SETTLEDESK_S3_PATH_STYLE", "on"),
            ("SETTLEDESK_S3_ACCESS_KEY", "AKIDEXAMPLE"),
            ("SETTLEDESK_S3_SECRET_KEY", "wJalrXUtnFEMI"),
        ])
        .unwrap();
        let s3 = config.s3.as_ref().unwrap();
        assert_eq!((s3.bucket.as_str(), s3.region.as_str(), s3.path_style), ("feeds", "us-east-1", true));
        assert!(matches!(config.object_store().await, ObjectStore::S3 { .. }));
        let printed = format!("{config:?}");
        assert!(!printed.contains("AKIDEXAMPLE") && !printed.contains("wJalrXUtnFEMI"), "{printed}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = config(&[("SETTLEDESK_LISTEN_ADDR", "localhost")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_LISTEN_ADDR", .. }), "{err}");
        let err = config(&[("SETTLEDESK_ENV", "staging")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_ENV", .. }), "{err}");
        let err = config(&[("SETTLEDESK_SCHEDULER", "sometimes")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_SCHEDULER", .. }), "{err}");
        let err = config(&[("SETTLEDESK_ROLE_GROUPS", "root=wheel")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_ROLE_GROUPS", .. }), "{err}");
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "DATABASE_URL", .. }), "{err}");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = config(&[("DATABASE_URL", "postgres://app:hunter2@db/settledesk")]).unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }
}
