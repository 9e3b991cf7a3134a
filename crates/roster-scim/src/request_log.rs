//! The per-tenant request log. Handlers never write it themselves: each answered request is
//! appended to an in-memory buffer, and a background task writes the buffer in one batch every
//! quarter of a second (so a crash loses less than the last second). The same batch keeps each tenant's first
//! and last request, last error and onboarding state current, and a retention job deletes
//! entries older than the configured age.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use roster_tenant::{with_pool, Tenancy};
use serde::Serialize;

/// One answered SCIM request. Never headers, bodies or secrets.
#[derive(Debug, Clone, Serialize)]
pub struct RequestLogEntry {
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// "bad token", "invalid filter", "uniqueness", … for failures.
    pub error_class: Option<String>,
    /// The plain-language detail sent back with a failure.
    pub detail: Option<String>,
    /// What the request did to the directory: "user created", "user deactivated", …
    pub event: Option<String>,
    pub duration_ms: f64,
}

struct Pending {
    slug: String,
    entry: RequestLogEntry,
}

/// Beyond this many unwritten entries (the database is down for long), new ones are dropped.
const MAX_BUFFERED: usize = 200_000;
const ROWS_PER_STATEMENT: usize = 250;
const RETENTION_BATCH: i64 = 5_000;

#[derive(Clone)]
pub(crate) struct RequestLog {
    tenancy: Tenancy,
    buffer: Arc<Mutex<Vec<Pending>>>,
}

impl RequestLog {
    pub fn new(tenancy: Tenancy) -> Self {
        Self {
            tenancy,
            buffer: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.tenancy.now()
    }

    pub fn record(&self, slug: &str, entry: RequestLogEntry) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        if buffer.len() < MAX_BUFFERED {
            buffer.push(Pending {
                slug: slug.to_owned(),
                entry,
            });
        }
    }

    pub async fn run(self, retention: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        // Small, frequent batches keep each write short (a crash still loses under a second).
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        let mut ticks: u64 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    self.flush().await;
                    if ticks % 240 == 0 {
                        self.run_retention_if_due(retention).await;
                    }
                    ticks += 1;
                }
                _ = shutdown.changed() => {
                    self.flush().await;
                    return;
                }
            }
        }
    }

    pub async fn flush(&self) {
        let pending = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|e| e.into_inner()));
        if pending.is_empty() {
            return;
        }
        let count = pending.len();
        if let Err(error) = self.write(pending).await {
            tracing::error!(%error, count, "could not write the SCIM request log");
        }
    }

    async fn write(&self, pending: Vec<Pending>) -> Result<(), sqlx::Error> {
        let mut slugs: Vec<&str> = pending.iter().map(|p| p.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        let mut tenant_ids = HashMap::new();
        for slug in slugs {
            let id: Option<String> = with_pool!(self.tenancy.db(), pool => {
                sqlx::query_scalar("select id from tenants where slug = $1")
                    .bind(slug)
                    .fetch_optional(pool)
                    .await?
            });
            if let Some(id) = id {
                tenant_ids.insert(slug.to_owned(), id);
            }
        }
        let rows: Vec<(&String, &RequestLogEntry)> = pending
            .iter()
            .filter_map(|p| tenant_ids.get(&p.slug).map(|id| (id, &p.entry)))
            .collect();
        // Each chunk is its own statement and its own turn at SQLite's write lock, so a request
        // that writes waits for one chunk at most, never for the whole batch.
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let _turn = self.tenancy.db().queue_for_write().await;
            with_pool!(self.tenancy.db(), pool => {
                let mut insert = sqlx::QueryBuilder::new(
                    "insert into scim_requests (tenant_id, id, at, method, path, status, \
                     error_class, event, detail, duration_ms) ",
                );
                insert.push_values(chunk, |mut row, (tenant_id, e)| {
                    row.push_bind(tenant_id.as_str())
                        .push_bind(uuid::Uuid::now_v7().to_string())
                        .push_bind(e.at)
                        .push_bind(e.method.as_str())
                        .push_bind(e.path.as_str())
                        .push_bind(i64::from(e.status))
                        .push_bind(e.error_class.as_deref())
                        .push_bind(e.event.as_deref())
                        .push_bind(e.detail.as_deref())
                        .push_bind(e.duration_ms);
                });
                insert.build().execute(pool).await?;
            });
        }
        let summaries = summarise(&rows);
        if summaries.is_empty() {
            return Ok(());
        }
        let _turn = self.tenancy.db().queue_for_write().await;
        with_pool!(self.tenancy.db(), pool => {
            let mut tx = pool.begin().await?;
            for (tenant_id, s) in &summaries {
                if let (Some(first), Some(last)) = (s.first_authenticated, s.last_authenticated) {
                    sqlx::query(
                        "update tenants set first_request_at = coalesce(first_request_at, $2), \
                         last_request_at = $3, \
                         state = case when state = 'onboarding' then 'connected' else state end \
                         where id = $1",
                    )
                    .bind(tenant_id.as_str())
                    .bind(first)
                    .bind(last)
                    .execute(&mut *tx)
                    .await?;
                }
                if s.users_arrived {
                    sqlx::query("update tenants set state = 'live' where id = $1 and state = 'connected'")
                        .bind(tenant_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some((at, error)) = &s.last_error {
                    sqlx::query("update tenants set last_error = $2, last_error_at = $3 where id = $1")
                        .bind(tenant_id.as_str())
                        .bind(error.as_str())
                        .bind(*at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Runs the retention job if no process has run it in the last hour: the claim moves the
    /// job's next run forward in one statement, so exactly one process wins it.
    pub async fn run_retention_if_due(&self, retention: Duration) -> bool {
        let now = self.tenancy.now();
        let next = now + chrono::Duration::hours(1);
        let claimed: Result<u64, sqlx::Error> = with_pool!(self.tenancy.db(), pool => {
            sqlx::query(
                "insert into background_jobs (name, next_run_at) values ('request-log-retention', $2) \
                 on conflict (name) do update set next_run_at = excluded.next_run_at \
                 where background_jobs.next_run_at <= $1",
            )
            .bind(now)
            .bind(next)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        });
        match claimed {
            Ok(1) => {
                self.enforce_retention(retention).await;
                true
            }
            Ok(_) => false,
            Err(error) => {
                tracing::error!(%error, "could not claim the request log retention job");
                false
            }
        }
    }

    pub async fn enforce_retention(&self, retention: Duration) {
        let Ok(age) = chrono::Duration::from_std(retention) else {
            return;
        };
        let cutoff = self.tenancy.now() - age;
        match self.delete_before(cutoff).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "request log entries past retention deleted"),
            Err(error) => tracing::error!(%error, "could not enforce the request log retention"),
        }
    }

    /// Deletes entries older than `cutoff`, tenant by tenant, in batches of about
    /// `RETENTION_BATCH` that each take their own turn at the write lock: a month of a busy
    /// tenant's log is millions of rows, and one statement deleting them would stall every
    /// SCIM write meanwhile.
    async fn delete_before(&self, cutoff: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        let db = self.tenancy.db();
        let tenants: Vec<String> = with_pool!(db, pool => {
            sqlx::query_scalar("select id from tenants").fetch_all(pool).await?
        });
        let mut deleted = 0;
        for tenant in tenants {
            loop {
                // The time of the batch's last entry, read from the (tenant_id, at) index.
                let bound: Option<DateTime<Utc>> = with_pool!(db, pool => {
                    sqlx::query_scalar(
                        "select at from scim_requests where tenant_id = $1 and at < $2 \
                         order by at limit 1 offset $3",
                    )
                    .bind(&tenant)
                    .bind(cutoff)
                    .bind(RETENTION_BATCH - 1)
                    .fetch_optional(pool)
                    .await?
                });
                let _turn = db.queue_for_write().await;
                let (upto, condition) = match bound {
                    Some(at) => (at, "at <= $2"),
                    None => (cutoff, "at < $2"),
                };
                let sql = format!("delete from scim_requests where tenant_id = $1 and {condition}");
                deleted += with_pool!(db, pool => {
                    sqlx::query(&sql).bind(&tenant).bind(upto).execute(pool).await?.rows_affected()
                });
                if bound.is_none() {
                    break;
                }
            }
        }
        Ok(deleted)
    }
}

#[derive(Default)]
struct Summary {
    first_authenticated: Option<DateTime<Utc>>,
    last_authenticated: Option<DateTime<Utc>>,
    users_arrived: bool,
    last_error: Option<(DateTime<Utc>, String)>,
}

fn summarise<'a>(rows: &[(&'a String, &RequestLogEntry)]) -> HashMap<&'a String, Summary> {
    let mut summaries: HashMap<&String, Summary> = HashMap::new();
    for (tenant_id, e) in rows {
        let s = summaries.entry(tenant_id).or_default();
        if e.status != 401 {
            s.first_authenticated = Some(s.first_authenticated.map_or(e.at, |f| f.min(e.at)));
            s.last_authenticated = Some(s.last_authenticated.map_or(e.at, |l| l.max(e.at)));
        }
        if e.event.as_deref() == Some("user created") {
            s.users_arrived = true;
        }
        if e.status >= 400 && s.last_error.as_ref().is_none_or(|(at, _)| e.at >= *at) {
            let text = e
                .detail
                .clone()
                .or_else(|| e.error_class.clone())
                .unwrap_or_else(|| format!("status {}", e.status));
            s.last_error = Some((e.at, text));
        }
    }
    summaries
}
