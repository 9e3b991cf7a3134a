//! Roster's pages and outgoing email: the customer admin's setup-link page (with its live
//! status) and the outbox that sends mail through lettre.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use actix_web::web;
use roster_scim::Scim;
use roster_tenant::Tenancy;
use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct WebConfig {
    pub vendor_name: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub smtp_url: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{setting}: {message}")]
    Setting { setting: String, message: String },
}

/// The web capability: pages and mail.
#[derive(Clone)]
pub struct Web {
    #[allow(dead_code)]
    config: WebConfig,
    #[allow(dead_code)]
    tenancy: Tenancy,
    #[allow(dead_code)]
    scim: Scim,
}

impl Web {
    pub fn new(config: WebConfig, tenancy: Tenancy, scim: Scim) -> Result<Self, WebError> {
        Ok(Self { config, tenancy, scim })
    }

    /// Registers the pages.
    pub fn configure(&self, _cfg: &mut web::ServiceConfig) {}

    /// Starts the background work (the outbox); stops when `shutdown` changes.
    pub fn spawn_workers(
        &self,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let _ = shutdown.changed().await;
        })
    }
}
