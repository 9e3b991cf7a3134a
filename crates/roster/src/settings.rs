//! Configuration: defaults, then an optional TOML file, then `ROSTER_*` environment variables
//! (any of them may instead be read from the file named by `ROSTER_<NAME>_FILE`, for secrets).

use std::{
    collections::BTreeMap,
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use roster_tenant::{mask_password, DatabaseUrl};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    pub database_url: Option<SecretString>,
    /// Pool size; by default 4 on SQLite (one writer, few cores) and 16 on PostgreSQL.
    pub database_max_connections: Option<u32>,
    pub database_connect_timeout: Duration,
    pub log_format: LogFormat,
    pub log: String,
    pub token_cache_ttl: Duration,
    pub link_ttl: Duration,
    pub vendor_name: String,
    pub smtp_url: Option<SecretString>,
    pub shutdown_timeout: Duration,
    pub scim_rate_limit: u32,
    pub scim_rate_burst: u32,
    pub scim_body_limit: usize,
    pub scim_max_results: usize,
    pub request_log_retention: Duration,
    /// Base64 of at least 64 bytes for the staff console's session cookies.
    pub session_key: Option<SecretString>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_max_connections: None,
            database_connect_timeout: Duration::from_secs(10),
            log_format: LogFormat::Text,
            log: "info".into(),
            token_cache_ttl: Duration::from_secs(60),
            link_ttl: Duration::from_secs(7 * 24 * 3600),
            vendor_name: "Roster".into(),
            smtp_url: None,
            shutdown_timeout: Duration::from_secs(30),
            scim_rate_limit: 1000,
            scim_rate_burst: 2000,
            scim_body_limit: 1024 * 1024,
            scim_max_results: 1000,
            request_log_retention: Duration::from_secs(30 * 24 * 3600),
            session_key: None,
        }
    }
}

/// A setting that could not be used, named as the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct SettingError {
    pub source_name: String,
    pub message: String,
}

struct Field {
    key: &'static str,
    secret: bool,
    apply: fn(&mut Settings, &str) -> Result<(), String>,
}

const FIELDS: &[Field] = &[
    Field {
        key: "listen",
        secret: false,
        apply: |s, v| {
            s.listen = v
                .parse()
                .map_err(|_| format!("{v:?} is not an address like 127.0.0.1:8080"))?;
            Ok(())
        },
    },
    Field {
        key: "public_url",
        secret: false,
        apply: |s, v| {
            let url = v.trim_end_matches('/');
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
                return Err(format!("{v:?} is not an http:// or https:// URL"));
            }
            s.public_url = Some(url.to_owned());
            Ok(())
        },
    },
    Field {
        key: "data_dir",
        secret: false,
        apply: |s, v| {
            s.data_dir = PathBuf::from(v);
            Ok(())
        },
    },
    Field {
        key: "database_url",
        secret: true,
        apply: |s, v| {
            DatabaseUrl::parse(v).map_err(|e| e.to_string())?;
            s.database_url = Some(SecretString::from(v.to_owned()));
            Ok(())
        },
    },
    Field {
        key: "database_max_connections",
        secret: false,
        apply: |s, v| {
            s.database_max_connections = Some(
                v.parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{v:?} is not a positive whole number"))?,
            );
            Ok(())
        },
    },
    Field {
        key: "database_connect_timeout",
        secret: false,
        apply: |s, v| {
            s.database_connect_timeout = duration(v)?;
            Ok(())
        },
    },
    Field {
        key: "log_format",
        secret: false,
        apply: |s, v| {
            s.log_format = match v.to_ascii_lowercase().as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(format!("{v:?} is not a log format; use text or json")),
            };
            Ok(())
        },
    },
    Field {
        key: "log",
        secret: false,
        apply: |s, v| {
            tracing_subscriber::EnvFilter::try_new(v)
                .map_err(|e| format!("{v:?} is not a log filter: {e}"))?;
            s.log = v.to_owned();
            Ok(())
        },
    },
    Field {
        key: "token_cache_ttl",
        secret: false,
        apply: |s, v| {
            s.token_cache_ttl = duration(v)?;
            Ok(())
        },
    },
    Field {
        key: "link_ttl",
        secret: false,
        apply: |s, v| {
            s.link_ttl = duration(v)?;
            Ok(())
        },
    },
    Field {
        key: "vendor_name",
        secret: false,
        apply: |s, v| {
            if v.trim().is_empty() {
                return Err("the vendor name cannot be empty".into());
            }
            s.vendor_name = v.trim().to_owned();
            Ok(())
        },
    },
    Field {
        key: "smtp_url",
        secret: true,
        apply: |s, v| {
            if !(v.starts_with("smtp://") || v.starts_with("smtps://")) {
                return Err("expected smtp://HOST:PORT or smtps://HOST:PORT".into());
            }
            s.smtp_url = Some(SecretString::from(v.to_owned()));
            Ok(())
        },
    },
    Field {
        key: "shutdown_timeout",
        secret: false,
        apply: |s, v| {
            s.shutdown_timeout = duration(v)?;
            Ok(())
        },
    },
    Field {
        key: "scim_rate_limit",
        secret: false,
        apply: |s, v| {
            s.scim_rate_limit = positive(v)?;
            Ok(())
        },
    },
    Field {
        key: "scim_rate_burst",
        secret: false,
        apply: |s, v| {
            s.scim_rate_burst = positive(v)?;
            Ok(())
        },
    },
    Field {
        key: "scim_body_limit",
        secret: false,
        apply: |s, v| {
            s.scim_body_limit = positive(v)? as usize;
            Ok(())
        },
    },
    Field {
        key: "scim_max_results",
        secret: false,
        apply: |s, v| {
            s.scim_max_results = positive(v)? as usize;
            Ok(())
        },
    },
    Field {
        key: "request_log_retention",
        secret: false,
        apply: |s, v| {
            s.request_log_retention = duration(v)?;
            Ok(())
        },
    },
    Field {
        key: "session_key",
        secret: true,
        apply: |s, v| {
            s.session_key = Some(SecretString::from(v.trim().to_owned()));
            Ok(())
        },
    },
];

fn positive(v: &str) -> Result<u32, String> {
    v.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{v:?} is not a positive whole number"))
}

/// Environment variables of ours that are not settings.
const OTHER_VARIABLES: &[&str] = &["ROSTER_CONFIG"];

/// Seconds as a plain number, or a humantime duration ("90s", "5m", "7days").
fn duration(v: &str) -> Result<Duration, String> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(v.trim())
        .map_err(|_| format!("{v:?} is not a duration like 60s, 5m or 7days"))
}

fn env_name(key: &str) -> String {
    format!("ROSTER_{}", key.to_ascii_uppercase())
}

impl Settings {
    /// Loads defaults, then `config_file`, then the environment given as `(name, value)` pairs.
    /// Returns the settings and warnings about variables that are not ours to read.
    pub fn load(
        config_file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Self, Vec<String>), SettingError> {
        let mut settings = Settings::default();
        if let Some(path) = config_file {
            settings.apply_file(path)?;
        }
        let env: BTreeMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("ROSTER_"))
            .collect();
        let mut warnings = Vec::new();
        for (name, value) in &env {
            if OTHER_VARIABLES.contains(&name.as_str()) {
                continue;
            }
            let field = FIELDS.iter().find(|f| env_name(f.key) == *name);
            let file_field = FIELDS
                .iter()
                .find(|f| format!("{}_FILE", env_name(f.key)) == *name);
            let fail = |message: String| SettingError {
                source_name: name.clone(),
                message,
            };
            if let Some(field) = field {
                let file_variable = format!("{}_FILE", env_name(field.key));
                if env.contains_key(&file_variable) {
                    return Err(fail(format!("set {name} or {file_variable}, not both")));
                }
            }
            match (field, file_field) {
                (Some(field), _) => (field.apply)(&mut settings, value).map_err(fail)?,
                (None, Some(field)) => {
                    let content = std::fs::read_to_string(value)
                        .map_err(|e| fail(format!("cannot read {value}: {e}")))?;
                    (field.apply)(&mut settings, content.trim()).map_err(fail)?;
                }
                (None, None) => warnings.push(format!(
                    "{name} is not a Roster setting and is ignored (see `roster config`)"
                )),
            }
        }
        Ok((settings, warnings))
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), SettingError> {
        let source_name = format!("--config {}", path.display());
        let fail = |message: String| SettingError {
            source_name: source_name.clone(),
            message,
        };
        let text =
            std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let position = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            fail(format!("{position}{message}"))
        })?;
        for (key, value) in table {
            let field = FIELDS
                .iter()
                .find(|f| f.key == key)
                .ok_or_else(|| fail(format!("{key} is not a Roster setting")))?;
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => return Err(fail(format!("{key}: {other} is not a plain value"))),
            };
            (field.apply)(self, &value).map_err(|m| fail(format!("{key}: {m}")))?;
        }
        Ok(())
    }

    /// The database to use: the configured URL, or SQLite under the data directory.
    pub fn database_url(&self) -> Result<DatabaseUrl, SettingError> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url.expose_secret()).map_err(|e| SettingError {
                source_name: "ROSTER_DATABASE_URL".into(),
                message: e.to_string(),
            }),
            None => DatabaseUrl::parse(&format!(
                "sqlite://{}",
                self.data_dir.join("roster.db").display()
            ))
            .map_err(|e| SettingError {
                source_name: "ROSTER_DATA_DIR".into(),
                message: e.to_string(),
            }),
        }
    }

    /// The pool size for this database.
    pub fn pool_size(&self, engine: roster_tenant::Engine) -> u32 {
        self.database_max_connections.unwrap_or(match engine {
            roster_tenant::Engine::Sqlite => 4,
            roster_tenant::Engine::Postgres => 16,
        })
    }

    /// The name of the setting that decides where the database lives, for error messages.
    pub fn database_setting_name(&self) -> &'static str {
        if self.database_url.is_some() {
            "ROSTER_DATABASE_URL"
        } else {
            "ROSTER_DATA_DIR"
        }
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

impl fmt::Display for Settings {
    /// The effective configuration as TOML, secrets masked: what `roster config` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked_url = |url: &Option<SecretString>| {
            url.as_ref()
                .map(|u| mask_password(u.expose_secret()))
                .unwrap_or_default()
        };
        let database = self
            .database_url()
            .map(|u| u.to_string())
            .unwrap_or_else(|_| masked_url(&self.database_url));
        let rows: Vec<(&str, String)> = vec![
            ("listen", self.listen.to_string()),
            ("public_url", self.public_url()),
            ("data_dir", self.data_dir.display().to_string()),
            ("database_url", database),
            (
                "database_max_connections",
                self.database_max_connections.map_or_else(
                    || "4 on SQLite, 16 on PostgreSQL".to_owned(),
                    |n| n.to_string(),
                ),
            ),
            (
                "database_connect_timeout",
                humantime::format_duration(self.database_connect_timeout).to_string(),
            ),
            (
                "log_format",
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            ("log", self.log.clone()),
            (
                "token_cache_ttl",
                humantime::format_duration(self.token_cache_ttl).to_string(),
            ),
            (
                "link_ttl",
                humantime::format_duration(self.link_ttl).to_string(),
            ),
            ("vendor_name", self.vendor_name.clone()),
            ("smtp_url", masked_url(&self.smtp_url)),
            (
                "shutdown_timeout",
                humantime::format_duration(self.shutdown_timeout).to_string(),
            ),
            ("scim_rate_limit", self.scim_rate_limit.to_string()),
            ("scim_rate_burst", self.scim_rate_burst.to_string()),
            ("scim_body_limit", self.scim_body_limit.to_string()),
            ("scim_max_results", self.scim_max_results.to_string()),
            (
                "request_log_retention",
                humantime::format_duration(self.request_log_retention).to_string(),
            ),
            (
                "session_key",
                self.session_key
                    .as_ref()
                    .map(|_| "***".to_owned())
                    .unwrap_or_default(),
            ),
        ];
        for (key, value) in rows {
            let secret = FIELDS.iter().any(|f| f.key == key && f.secret);
            let note = if secret {
                "  # secret: password masked"
            } else {
                ""
            };
            writeln!(f, "{key} = {}{note}", toml::Value::String(value))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn with_nothing_configured_roster_listens_on_loopback_8080_with_sqlite_under_data() {
        let (s, warnings) = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            s.database_url().unwrap().to_string(),
            "sqlite://./data/roster.db"
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("roster.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nvendor_name = \"Acme\"\n").unwrap();
        let (s, _) =
            Settings::load(Some(&file), env(&[("ROSTER_VENDOR_NAME", "Coffees")])).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.vendor_name, "Coffees");
    }

    #[test]
    fn a_secret_can_come_from_a_file_and_is_masked_when_printed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db-url");
        std::fs::write(&file, "postgres://roster:hunter2@db.internal/roster\n").unwrap();
        let var = ("ROSTER_DATABASE_URL_FILE", file.to_str().unwrap());
        let (s, _) = Settings::load(None, env(&[var])).unwrap();
        let printed = s.to_string();
        assert!(
            printed.contains("postgres://roster:***@db.internal/roster"),
            "{printed}"
        );
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn an_unknown_roster_variable_is_warned_about() {
        let (_, warnings) =
            Settings::load(None, env(&[("ROSTER_LISTNE", "x"), ("HOME", "/")])).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("ROSTER_LISTNE"));
    }

    #[test]
    fn a_bad_value_names_the_variable_and_the_problem() {
        let err = Settings::load(None, env(&[("ROSTER_LISTEN", "localhost")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ROSTER_LISTEN: \"localhost\" is not an address like 127.0.0.1:8080"
        );
        let err = Settings::load(None, env(&[("ROSTER_DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ROSTER_DATABASE_URL: cannot parse"),
            "{err}"
        );
    }

    #[test]
    fn malformed_toml_names_the_file_and_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("roster.toml");
        std::fs::write(&file, "vendor_name = \"Acme\"\nlisten = \n").unwrap();
        let err = Settings::load(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--config "), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }
}
