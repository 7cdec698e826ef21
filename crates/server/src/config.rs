//! Configuration, in layers: defaults → `rapport.toml` → `RAPPORT_*` environment
//! (and `DATABASE_URL`) → command-line flags. Secrets are redacted from `Debug`.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where Rapport keeps its files: the SQLite database, the local mailbox.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means the SQLite file in `data_dir`.
    pub database_url: String,
    /// The address `rapport serve` listens on.
    pub listen: SocketAddr,
    /// The address customers and staff reach Rapport at, used in links.
    pub public_url: String,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Empty: mail is written to the local mailbox (`data_dir/mail`), viewable in the
    /// staff UI. `smtp://host:port`, `smtp://user:pass@host:587?tls=starttls` or
    /// `smtps://host:465` sends through a mail server.
    pub smtp_url: String,
    /// The sender address of survey and alert mail.
    pub mail_from: String,
    /// How often the background worker looks for due work, in milliseconds.
    pub worker_poll_ms: u64,
    /// The desk's logo (PNG, JPEG or SVG) shown on customer pages; empty: none.
    pub logo_file: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("rapport-data"),
            database_url: String::new(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            max_body_bytes: 1024 * 1024,
            log_format: "text".into(),
            smtp_url: String::new(),
            mail_from: "rapport@localhost".into(),
            worker_poll_ms: 1000,
            logo_file: String::new(),
        }
    }
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

impl Config {
    /// Loads every layer. `file` is `rapport.toml` in the working directory unless given.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let file = file.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("rapport.toml"));
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("RAPPORT_").only(&Config::ENV_KEYS))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        config.fill_derived();
        Ok(config)
    }

    const ENV_KEYS: [&'static str; 10] = [
        "logo_file",
        "data_dir",
        "database_url",
        "listen",
        "public_url",
        "max_body_bytes",
        "log_format",
        "smtp_url",
        "mail_from",
        "worker_poll_ms",
    ];

    /// `RAPPORT_*` variables that match no setting: usually a typo worth a warning.
    pub fn unknown_env_vars() -> Vec<String> {
        std::env::vars()
            .filter_map(|(k, _)| k.strip_prefix("RAPPORT_").map(str::to_ascii_lowercase))
            .filter(|k| !Config::ENV_KEYS.contains(&k.as_str()) && !k.starts_with("test_"))
            .map(|k| format!("RAPPORT_{}", k.to_ascii_uppercase()))
            .collect()
    }

    fn fill_derived(&mut self) {
        if self.database_url.trim().is_empty() {
            self.database_url = format!("sqlite://{}?mode=rwc", self.data_dir.join("rapport.db").display());
        }
        if self.public_url.trim().is_empty() {
            self.public_url = format!("http://{}", self.listen);
        }
        self.public_url = self.public_url.trim_end_matches('/').to_string();
    }

    /// A configuration for one test: its own data directory, given database.
    pub fn for_test(data_dir: &Path, database_url: &str) -> Config {
        let mut config = Config {
            data_dir: data_dir.to_path_buf(),
            database_url: database_url.to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Config::default()
        };
        config.fill_derived();
        config
    }

    /// Where mail goes: the SMTP URL, or the local mailbox folder.
    pub fn mail_url(&self) -> String {
        if self.smtp_url.trim().is_empty() {
            format!("mailbox:{}", self.data_dir.join("mail").display())
        } else {
            self.smtp_url.trim().to_string()
        }
    }

    /// The domain for Message-IDs: the public URL's host.
    pub fn mail_domain(&self) -> String {
        let host = self.public_url.split("://").nth(1).unwrap_or("localhost");
        let host = host.split(['/', ':']).next().unwrap_or("localhost");
        if host.is_empty() {
            "localhost".into()
        } else {
            host.to_string()
        }
    }

    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database_url)
    }

    pub const EXAMPLE: &'static str = include_str!("../rapport.example.toml");
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.redacted_database_url())
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("log_format", &self.log_format)
            .field("smtp_url", &redact_url(&self.smtp_url))
            .field("mail_from", &self.mail_from)
            .field("worker_poll_ms", &self.worker_poll_ms)
            .field("logo_file", &self.logo_file)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_debug_output() {
        let config = Config { database_url: "postgres://rapport:hunter2@db/rapport".into(), ..Config::default() };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("postgres://rapport:***@db/rapport"));
    }

    #[test]
    fn the_example_file_is_a_valid_configuration() {
        let parsed: Config = toml::from_str(Config::EXAMPLE).expect("rapport.example.toml parses");
        assert_eq!(parsed.listen, Config::default().listen);
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's own test harness signature
    fn layers_apply_in_order_file_then_environment_then_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "rapport.toml",
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"from-file\"\nlog_format = \"json\"",
            )?;
            jail.set_env("RAPPORT_DATA_DIR", "from-env");
            jail.set_env("RAPPORT_LISTEN", "127.0.0.1:9001");
            let flags = Overrides { listen: Some("127.0.0.1:9002".parse().unwrap()), ..Overrides::default() };
            let config = Config::load(None, &flags).unwrap();
            assert_eq!(config.log_format, "json");
            assert_eq!(config.data_dir, PathBuf::from("from-env"));
            assert_eq!(config.listen.port(), 9002);
            assert_eq!(config.database_url, "sqlite://from-env/rapport.db?mode=rwc");
            Ok(())
        });
    }
}
