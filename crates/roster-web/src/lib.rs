//! Roster's pages and outgoing email: the customer admin's setup-link page (with its live
//! status) and the outbox that sends mail through lettre.
#![forbid(unsafe_code)]

mod assets;
mod csrf;
mod error;
mod fields;
mod mail;
mod outbox;
mod security;
mod setup;
mod staff;
mod status_view;

use std::{net::IpAddr, num::NonZeroU32, path::PathBuf, sync::Arc};

use actix_web::web;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use roster_scim::Scim;
use roster_tenant::Tenancy;
use secrecy::SecretString;

pub use error::PageError;

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub vendor_name: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub smtp_url: Option<SecretString>,
    /// Base64 of at least 64 bytes: signs and encrypts the staff console's session cookie.
    /// Without it a random key is made per process (sessions end with a restart).
    pub session_key: Option<SecretString>,
}

/// Why the web capability could not start: names the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{setting}: {message}")]
    Setting { setting: String, message: String },
}

/// Requests per client address to `/setup/…`: a burst, then one a second.
const SETUP_BURST: u32 = 30;

/// The web capability: pages and mail.
#[derive(Clone)]
pub struct Web {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: WebConfig,
    pub tenancy: Tenancy,
    pub scim: Scim,
    pub limiter: DefaultKeyedRateLimiter<IpAddr>,
    pub mailer: outbox::Mailer,
    /// Wakes the outbox worker when a message was just queued.
    pub wake: tokio::sync::Notify,
    /// Whether pages are served over https (the CSRF cookie is `Secure` then).
    pub https: bool,
    /// The staff console's session cookie key and first-account secret.
    pub staff: staff::StaffKeys,
}

impl Web {
    pub fn new(config: WebConfig, tenancy: Tenancy, scim: Scim) -> Result<Self, WebError> {
        let mut config = config;
        config.public_url = config.public_url.trim_end_matches('/').to_owned();
        let mailer = outbox::Mailer::new(&config)?;
        let quota = Quota::per_second(NonZeroU32::MIN)
            .allow_burst(NonZeroU32::new(SETUP_BURST).unwrap_or(NonZeroU32::MIN));
        let https = config.public_url.starts_with("https://");
        let staff = staff::StaffKeys::new(config.session_key.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                tenancy,
                scim,
                limiter: RateLimiter::keyed(quota),
                mailer,
                wake: tokio::sync::Notify::new(),
                https,
                staff,
            }),
        })
    }

    /// Registers the pages and their assets.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        setup::configure(cfg, self.clone());
        staff::configure(cfg, self.clone());
        assets::configure(cfg);
    }

    /// Starts the background work (the outbox); stops when `shutdown` changes, after the
    /// message in hand.
    pub fn spawn_workers(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move { outbox::run_worker(this, shutdown).await })
    }

    /// While no staff account exists: the one-time URL that creates the first one (print it
    /// at start-up). Its secret is random per process and kept in memory only.
    pub async fn bootstrap_url(&self) -> Result<Option<String>, roster_tenant::Error> {
        if self.tenancy().count_staff().await? > 0 {
            return Ok(None);
        }
        Ok(Some(format!(
            "{}/staff/bootstrap/{}",
            self.inner.config.public_url,
            secrecy::ExposeSecret::expose_secret(&self.inner.staff.bootstrap)
        )))
    }

    pub(crate) fn vendor(&self) -> &str {
        &self.inner.config.vendor_name
    }

    pub(crate) fn tenancy(&self) -> &Tenancy {
        &self.inner.tenancy
    }
}
