//! `Tenancy`: the one service through which the rest of Roster manages tenants, their
//! credentials and setup links. Holds the database, the clock and the token cache.

use std::{
    sync::{atomic::AtomicU64, Arc},
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use crate::{clock::Clock, db::Db, tokens::CachedCredential};

#[derive(Debug, Clone)]
pub struct TenancyConfig {
    /// Where Roster is reached from outside, without a trailing slash.
    pub public_url: String,
    pub token_cache_ttl: Duration,
    pub token_cache_capacity: u64,
    pub link_ttl: chrono::Duration,
}

impl Default for TenancyConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            token_cache_ttl: Duration::from_secs(60),
            token_cache_capacity: 10_000,
            link_ttl: chrono::Duration::days(7),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Tenancy {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: TenancyConfig,
    /// Successful token checks, keyed by a SHA-256 of tenant slug and token.
    pub verified: moka::future::Cache<[u8; 32], CachedCredential>,
    /// The stored hash each recently verified credential was proven against (argon2 ran and
    /// matched), so that re-checking it after `verified` expires needs only a database read.
    pub proven: moka::sync::Cache<[u8; 32], String>,
    /// Token ids whose `last_used_at` was written within the last minute.
    pub recently_used: moka::sync::Cache<String, ()>,
    pub argon2_runs: AtomicU64,
    pub dummy_hash: OnceCell<String>,
}

impl Tenancy {
    pub fn new(db: Db, config: TenancyConfig, clock: Arc<dyn Clock>) -> Self {
        let verified = moka::future::Cache::builder()
            .max_capacity(config.token_cache_capacity)
            .time_to_live(config.token_cache_ttl)
            .build();
        let proven = moka::sync::Cache::builder()
            .max_capacity(config.token_cache_capacity)
            .time_to_idle(Duration::from_secs(24 * 3600))
            .build();
        let recently_used = moka::sync::Cache::builder()
            .max_capacity(config.token_cache_capacity)
            .time_to_live(Duration::from_secs(60))
            .build();
        let mut config = config;
        config.public_url = config.public_url.trim_end_matches('/').to_owned();
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                config,
                verified,
                proven,
                recently_used,
                argon2_runs: AtomicU64::new(0),
                dummy_hash: OnceCell::new(),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn config(&self) -> &TenancyConfig {
        &self.inner.config
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// `{public_url}/scim/v2/{slug}`: what the customer pastes into Okta.
    pub fn scim_base_url(&self, slug: &str) -> String {
        format!("{}/scim/v2/{slug}", self.inner.config.public_url)
    }
}
