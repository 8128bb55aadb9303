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

use sqlx::postgres::PgConnectOptions;

/// The local default database: the private cluster that `./dev` starts.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:54320/settledesk";

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
    /// Where the built site (`pkg/` with the wasm bundle, and the public assets) lives.
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} must be set when SETTLEDESK_ENV=production (see .env.example)")]
    Missing { name: &'static str },
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
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
        Ok(Config {
            mode,
            listen_addr: settings
                .parse("SETTLEDESK_LISTEN_ADDR", required("SETTLEDESK_LISTEN_ADDR", "127.0.0.1:3000")?)?,
            database_url: Secret(database_url),
            db_max_connections: settings.parse_or("SETTLEDESK_DB_MAX_CONNECTIONS", 10)?,
            site_root: settings
                .optional("SETTLEDESK_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            log_format,
            shutdown_grace: Duration::from_secs(settings.parse_or("SETTLEDESK_SHUTDOWN_GRACE_SECS", 20)?),
        })
    }

    pub fn database_options(&self) -> PgConnectOptions {
        // Validated in `from_lookup`.
        PgConnectOptions::from_str(self.database_url.expose())
            .expect("DATABASE_URL was validated at start-up")
    }
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
    fn production_names_the_missing_setting() {
        let err = config(&[("SETTLEDESK_ENV", "production")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "DATABASE_URL" });
        assert!(err.to_string().contains("DATABASE_URL must be set"));

        let err =
            config(&[("SETTLEDESK_ENV", "production"), ("DATABASE_URL", "postgres://db/x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing { name: "SETTLEDESK_LISTEN_ADDR" });
    }

    #[test]
    fn production_with_every_required_setting_starts() {
        let config = config(&[
            ("SETTLEDESK_ENV", "production"),
            ("DATABASE_URL", "postgres://app:pw@db.internal/settledesk"),
            ("SETTLEDESK_LISTEN_ADDR", "0.0.0.0:8080"),
            ("SETTLEDESK_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(config.mode, Mode::Production);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_are_named() {
        let err = config(&[("SETTLEDESK_LISTEN_ADDR", "localhost")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_LISTEN_ADDR", .. }), "{err}");
        let err = config(&[("SETTLEDESK_ENV", "staging")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "SETTLEDESK_ENV", .. }), "{err}");
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
