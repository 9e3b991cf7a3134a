//! The composition root: opens the database, wires the services and binds the listener, so that
//! tests can build the whole application on port 0 and talk to it at once.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    dev::Server,
    middleware::{from_fn, NormalizePath},
    web, App, HttpServer,
};
use roster_scim::{Scim, ScimConfig};
use roster_tenant::{Clock, Db, DbError, DbOptions, SystemClock, Tenancy, TenancyConfig};
use roster_web::{Web, WebConfig};
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    observability::{self, Metrics},
    settings::{SettingError, Settings},
};

/// Why Roster could not start: always names the setting at fault.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct StartupError {
    pub setting: String,
    pub message: String,
}

impl From<SettingError> for StartupError {
    fn from(e: SettingError) -> Self {
        Self {
            setting: e.source_name,
            message: e.message,
        }
    }
}

/// Opens the configured database and applies its migrations.
pub async fn open_database(settings: &Settings) -> Result<Db, StartupError> {
    let url = settings.database_url()?;
    let setting = settings.database_setting_name().to_owned();
    let options = DbOptions {
        max_connections: settings.pool_size(url.engine()),
        connect_timeout: settings.database_connect_timeout,
    };
    let db = Db::connect(&url, &options)
        .await
        .map_err(|e| StartupError {
            setting: setting.clone(),
            message: describe_db_error(&e),
        })?;
    db.migrate().await.map_err(|e| StartupError {
        setting,
        message: describe_db_error(&e),
    })?;
    Ok(db)
}

fn describe_db_error(e: &DbError) -> String {
    match e {
        DbError::Unreachable { url, source } => {
            format!("cannot reach the database at {url}: {}", root_cause(source))
        }
        DbError::Directory { path, source } => {
            format!(
                "cannot create the data directory {}: {source}",
                path.display()
            )
        }
        other => other.to_string(),
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

pub fn tenancy_config(settings: &Settings) -> TenancyConfig {
    TenancyConfig {
        public_url: settings.public_url(),
        token_cache_ttl: settings.token_cache_ttl,
        token_cache_capacity: 10_000,
        link_ttl: chrono::Duration::from_std(settings.link_ttl)
            .unwrap_or_else(|_| chrono::Duration::days(7)),
    }
}

pub fn scim_config(settings: &Settings) -> ScimConfig {
    ScimConfig {
        max_results: settings.scim_max_results,
        body_limit: settings.scim_body_limit,
        rate_limit_per_second: settings.scim_rate_limit,
        rate_limit_burst: settings.scim_rate_burst,
        request_log_retention: settings.request_log_retention,
    }
}

pub struct Application {
    bootstrap_url: Option<String>,
    port: u16,
    server: Server,
    tenancy: Tenancy,
    scim: Scim,
    shutdown: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(settings.listen).map_err(|e| StartupError {
            setting: "ROSTER_LISTEN".into(),
            message: match e.kind() {
                std::io::ErrorKind::AddrInUse => format!("{} is already in use", settings.listen),
                _ => format!("cannot listen on {}: {e}", settings.listen),
            },
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let mut settings = settings;
        if settings.public_url.is_none() && settings.listen.port() == 0 {
            settings.public_url = Some(format!("http://{}:{port}", settings.listen.ip()));
        }
        let db = open_database(&settings).await?;
        let tenancy = Tenancy::new(db.clone(), tenancy_config(&settings), clock);
        let scim = Scim::new(tenancy.clone(), scim_config(&settings));
        let web_config = WebConfig {
            vendor_name: settings.vendor_name.clone(),
            public_url: settings.public_url(),
            data_dir: settings.data_dir.clone(),
            smtp_url: settings.smtp_url.clone(),
            session_key: settings.session_key.clone(),
        };
        let pages =
            Web::new(web_config, tenancy.clone(), scim.clone()).map_err(|e| StartupError {
                setting: "web".into(),
                message: e.to_string(),
            })?;
        let bootstrap_url = pages.bootstrap_url().await.map_err(|e| StartupError {
            setting: "database".into(),
            message: e.to_string(),
        })?;
        let (shutdown, stopping) = watch::channel(false);
        let checkpoints = {
            let (db, stopping) = (db.clone(), stopping.clone());
            tokio::spawn(async move { db.run_checkpoints(stopping).await })
        };
        let workers = vec![
            scim.spawn_workers(stopping.clone()),
            pages.spawn_workers(stopping),
            checkpoints,
        ];
        let metrics = web::Data::new(Metrics::new().map_err(|e| StartupError {
            setting: "metrics".into(),
            message: e.to_string(),
        })?);
        let db_data = web::Data::new(db);
        let tenancy_data = web::Data::new(tenancy.clone());
        let scim_service = scim.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(metrics.clone())
                .app_data(db_data.clone())
                .app_data(tenancy_data.clone())
                .wrap(NormalizePath::trim())
                .wrap(from_fn(observability::observe))
                .configure(observability::configure)
                .configure(|cfg| scim_service.configure(cfg))
                .configure(|cfg| pages.configure(cfg))
        })
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .listen(listener)
        .map_err(|e| StartupError {
            setting: "ROSTER_LISTEN".into(),
            message: e.to_string(),
        })?
        .run();
        tracing::info!(
            address = %settings.listen,
            port,
            public_url = %settings.public_url(),
            database = %settings.database_url()?,
            "roster is serving"
        );
        if let Some(url) = &bootstrap_url {
            // The one way in while no staff account exists: printed once, never stored.
            eprintln!("roster: no staff account yet; create the first one at {url}");
        }
        Ok(Self {
            bootstrap_url,
            port,
            server,
            tenancy,
            scim,
            shutdown,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The one-time URL that creates the first staff account, while none exists.
    pub fn bootstrap_url(&self) -> Option<&str> {
        self.bootstrap_url.as_deref()
    }

    pub fn tenancy(&self) -> &Tenancy {
        &self.tenancy
    }

    pub fn scim(&self) -> &Scim {
        &self.scim
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish and the background
    /// workers finish their current job (the request log is flushed).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let _ = self.shutdown.send(true);
        for worker in self.workers {
            let _ = worker.await;
        }
        served
    }
}
