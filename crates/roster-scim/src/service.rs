//! `Scim`: the SCIM service of every tenant, with its settings, rate limiter and request log.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use actix_web::web;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use roster_tenant::Tenancy;

use crate::{http, paging::Anchors, request_log::RequestLog};

#[derive(Debug, Clone)]
pub struct ScimConfig {
    /// The most resources one list response carries (`filter.maxResults`).
    pub max_results: usize,
    /// Largest request body accepted; larger is 413.
    pub body_limit: usize,
    /// Sustained requests per second per tenant.
    pub rate_limit_per_second: u32,
    /// Requests a tenant may send at once above the sustained rate.
    pub rate_limit_burst: u32,
    /// How long the per-tenant request log keeps entries.
    pub request_log_retention: Duration,
}

impl Default for ScimConfig {
    fn default() -> Self {
        Self {
            max_results: 1000,
            body_limit: 1024 * 1024,
            rate_limit_per_second: 1000,
            rate_limit_burst: 2000,
            request_log_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

#[derive(Clone)]
pub struct Scim {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub tenancy: Tenancy,
    pub config: ScimConfig,
    pub limiter: DefaultKeyedRateLimiter<String>,
    pub log: RequestLog,
    pub anchors: Anchors,
}

impl Scim {
    pub fn new(tenancy: Tenancy, config: ScimConfig) -> Self {
        let per_second = NonZeroU32::new(config.rate_limit_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.rate_limit_burst.max(config.rate_limit_per_second))
            .unwrap_or(per_second);
        let limiter = RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst));
        let log = RequestLog::new(tenancy.clone());
        Self {
            inner: Arc::new(Inner {
                tenancy,
                config,
                limiter,
                log,
                anchors: Anchors::new(),
            }),
        }
    }

    pub fn tenancy(&self) -> &Tenancy {
        &self.inner.tenancy
    }

    pub fn config(&self) -> &ScimConfig {
        &self.inner.config
    }

    /// Registers `/scim/v2/{tenant}/…`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        http::configure(cfg, self.clone());
    }

    /// Starts the background work: flushing the request log four times a second and enforcing its
    /// retention every hour. Stops when `shutdown` resolves, after a last flush.
    pub fn spawn_workers(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let log = self.inner.log.clone();
        let retention = self.inner.config.request_log_retention;
        tokio::spawn(async move { log.run(retention, shutdown).await })
    }

    /// Writes whatever the request log holds now.
    pub async fn flush_request_log(&self) {
        self.inner.log.flush().await;
    }

    /// Deletes request-log entries older than the retention setting (the worker does this
    /// hourly).
    pub async fn apply_request_log_retention(&self) {
        self.inner
            .log
            .enforce_retention(self.inner.config.request_log_retention)
            .await;
    }

    /// Runs the hourly retention job if no process has run it within the hour; true when this
    /// call ran it.
    pub async fn run_request_log_retention_if_due(&self) -> bool {
        self.inner
            .log
            .run_retention_if_due(self.inner.config.request_log_retention)
            .await
    }

    /// Forgets the rate-limit state of tenants that have been quiet (bounded memory).
    pub fn shrink_rate_limiter(&self) {
        self.inner.limiter.retain_recent();
    }
}
