//! Layered configuration: built-in defaults → `touchpoint.toml` → `TOUCHPOINT_*` environment
//! variables (`__` separates sections: `TOUCHPOINT_SERVER__LISTEN`) → command-line flags.
//! Unknown keys are rejected so a typo never silently falls back to a default.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use touchpoint_jobs::mail::MailSettings;
use touchpoint_server::ServerSettings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where Touchpoint keeps its files (the SQLite database among them).
    pub data_dir: PathBuf,
    /// `postgres://user:password@host/db` for PostgreSQL; empty for SQLite in `data_dir`.
    pub database_url: String,
    /// Connections in the database pool.
    pub database_max_connections: u32,
    pub server: ServerSettings,
    pub text: TextSettings,
    /// Outgoing mail (invitations, password resets, security notices) over SMTP.
    pub mail: MailSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextSettings {
    /// A model directory written by `touchpoint text train` (empty: the built-in model).
    pub model_dir: Option<PathBuf>,
    /// An edited theme taxonomy (TOML; empty: the built-in one). Changing it re-analyses
    /// stored comments in the background.
    pub taxonomy_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A tracing filter such as `info` or `touchpoint=debug,sqlx=warn` (`RUST_LOG` overrides).
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            database_max_connections: 8,
            server: ServerSettings::default(),
            text: TextSettings::default(),
            mail: MailSettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            filter: "info,sqlx=warn".to_owned(),
        }
    }
}

/// Environment keys that belong to this configuration (others, such as the test suite's
/// `TOUCHPOINT_TEST_POSTGRES_URL`, are not configuration and are ignored).
const ENV_KEYS: [&str; 6] = [
    "data_dir",
    "database_url",
    "database_max_connections",
    "server",
    "mail",
    "log",
];

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        // An explicit file must exist; the default `./touchpoint.toml` is read when present.
        let default_file = Path::new("touchpoint.toml");
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if default_file.exists() => {
                figment = figment.merge(Toml::file_exact(default_file))
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("TOUCHPOINT_").split("__").filter(|key| {
            ENV_KEYS
                .iter()
                .any(|k| key.as_str() == *k || key.as_str().starts_with(&format!("{k}__")))
        }));
        let mut config: Config = figment.extract().map_err(Box::new)?;
        if let Some(dir) = &overrides.data_dir {
            config.data_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            config.database_url = url.clone();
        }
        if let Some(listen) = &overrides.listen {
            config.server.listen = listen.clone();
        }
        config.derive_public_url();
        Ok(config)
    }

    /// Survey links point at the listen address when no public URL was configured (so
    /// `--listen 127.0.0.1:9000` gives links to port 9000, not to the default port).
    fn derive_public_url(&mut self) {
        let default = ServerSettings::default();
        if self.server.public_url == default.public_url && self.server.listen != default.listen {
            let address = self
                .server
                .listen
                .replace("0.0.0.0", "127.0.0.1")
                .replace("[::]", "[::1]");
            self.server.public_url = format!("http://{address}");
        }
    }

    /// The database URL: the configured one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("touchpoint.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    pub fn uses_default_sqlite(&self) -> bool {
        self.database_url.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_sqlite_in_the_data_dir() {
        let config = Config::default();
        assert_eq!(
            config.database_url(),
            "sqlite://data/touchpoint.db?mode=rwc"
        );
        assert_eq!(config.server.max_body_bytes, 262_144);
    }

    #[test]
    fn file_then_flags_with_unknown_keys_rejected() {
        let dir = std::env::temp_dir().join(format!("tp-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("touchpoint.toml");
        std::fs::write(
            &file,
            "data_dir = \"/srv/tp\"\n[server]\nlisten = \"0.0.0.0:9000\"\n\
             signin_attempts_per_15min_per_account = 3\n\
             public_submissions_per_minute_per_address = 0\n",
        )
        .expect("write");
        let config = Config::load(Some(&file), &Overrides::default()).expect("load");
        assert_eq!(config.data_dir, PathBuf::from("/srv/tp"));
        assert_eq!(config.server.listen, "0.0.0.0:9000");
        assert_eq!(config.server.signin_attempts_per_15min_per_account, 3);
        assert_eq!(
            config.server.signin_attempts_per_15min_per_address, 20,
            "the default"
        );
        assert_eq!(config.server.public_submissions_per_minute_per_address, 0);
        assert_eq!(
            config.server.public_url, "http://127.0.0.1:9000",
            "links follow the listen address"
        );
        let flags = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Overrides::default()
        };
        assert_eq!(
            Config::load(Some(&file), &flags)
                .expect("load")
                .server
                .listen,
            "127.0.0.1:1"
        );
        std::fs::write(
            &file,
            "[mail]\nhost = \"smtp.example.com\"\nport = 2525\ntls = \"none\"\n",
        )
        .expect("write");
        let mail = Config::load(Some(&file), &Overrides::default())
            .expect("load")
            .mail;
        assert_eq!((mail.host.as_str(), mail.port), ("smtp.example.com", 2525));
        assert_eq!(mail.tls, touchpoint_jobs::mail::TlsMode::None);
        std::fs::write(&file, "[mail]\ntls = \"ssl\"\n").expect("write");
        assert!(Config::load(Some(&file), &Overrides::default()).is_err());
        std::fs::write(&file, "[server]\nlisten_port = 1\n").expect("write");
        let error = Config::load(Some(&file), &Overrides::default()).expect_err("unknown key");
        assert!(error.to_string().contains("listen_port"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
