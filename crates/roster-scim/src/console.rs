//! Read-only views of a tenant's SCIM data for the staff console: the request log with filters
//! and paging, an overview for the companies list, and the directory's health (profile field
//! coverage, rejected values, the Role segment). Every query goes through the tenant-scoped
//! handle; where the engines' JSON functions differ, the JSON path is built per engine and
//! bound as a parameter.

use chrono::{DateTime, Duration, Utc};
use roster_tenant::{with_pool, Engine, TenantScope};
use serde::Serialize;

use crate::{proto::schema::ROSTER_USER_URN, request_log::RequestLogEntry, service::Scim};

/// Which statuses to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Every status of a class: 2 for 2xx, 4 for 4xx, 5 for 5xx.
    Class(u16),
    Exact(u16),
}

impl StatusFilter {
    /// Reads "4xx", "404" and the like; anything else is no filter.
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim().to_ascii_lowercase();
        if let Some(class) = input.strip_suffix("xx") {
            return class
                .parse::<u16>()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .map(Self::Class);
        }
        input
            .parse::<u16>()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .map(Self::Exact)
    }

    fn bounds(self) -> (i64, i64) {
        match self {
            Self::Class(c) => (i64::from(c) * 100, i64::from(c) * 100 + 99),
            Self::Exact(c) => (i64::from(c), i64::from(c)),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RequestLogQuery {
    pub status: Option<StatusFilter>,
    pub error_class: Option<String>,
    /// Zero-based.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestLogPage {
    pub entries: Vec<RequestLogEntry>,
    /// How many entries match the filter.
    pub total: i64,
}

/// What the companies list shows of each tenant's directory.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectoryOverview {
    pub users_active: i64,
    pub users_inactive: i64,
    pub groups: i64,
    pub errors_last_24h: i64,
}

/// How many users carry one profile field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldCoverage {
    /// The path as the caller named it.
    pub path: Vec<String>,
    pub users_with: i64,
}

/// Requests refused for one reason in the last 7 days.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub detail: String,
    pub count: i64,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DirectoryHealth {
    pub users_active: i64,
    pub users_inactive: i64,
    pub groups: i64,
    pub fields: Vec<FieldCoverage>,
    pub rejected: Vec<Rejection>,
    /// Active users per management level; `None` for users without one.
    pub management_levels: Vec<(Option<String>, i64)>,
}

#[derive(sqlx::FromRow)]
struct LogRow {
    at: DateTime<Utc>,
    method: String,
    path: String,
    status: i64,
    error_class: Option<String>,
    event: Option<String>,
    detail: Option<String>,
    duration_ms: f64,
}

/// The profile extension's field `name`, as a path for [`Scim::directory_health`].
pub fn profile_field_path(name: &str) -> Vec<String> {
    vec![ROSTER_USER_URN.to_owned(), name.to_owned()]
}

/// An expression extracting the text at the path bound as `$n` (see [`bound_path`]).
fn json_text(engine: Engine, n: u8) -> String {
    match engine {
        Engine::Sqlite => format!("json_extract(doc, ${n})"),
        Engine::Postgres => format!("(doc #>> cast(${n} as text[]))"),
    }
}

/// The path as the engine reads it: `$."a"."b"` for SQLite, `{"a","b"}` for PostgreSQL.
fn bound_path(engine: Engine, path: &[String]) -> String {
    let quoted = path
        .iter()
        .map(|p| format!("\"{}\"", p.replace(['"', '\\'], "")));
    match engine {
        Engine::Sqlite => std::iter::once("$".to_owned())
            .chain(quoted)
            .collect::<Vec<_>>()
            .join("."),
        Engine::Postgres => format!("{{{}}}", quoted.collect::<Vec<_>>().join(",")),
    }
}

impl Scim {
    /// One page of the tenant's request log, newest first.
    pub async fn request_log(
        &self,
        scope: &TenantScope,
        query: &RequestLogQuery,
    ) -> Result<RequestLogPage, sqlx::Error> {
        let (low, high) = query.status.map_or((0, 999), StatusFilter::bounds);
        let class = query.error_class.as_deref().filter(|c| !c.is_empty());
        let per_page = i64::from(query.per_page.clamp(1, 500));
        let offset = i64::from(query.page) * per_page;
        let filter = "where tenant_id = $1 and status >= $2 and status <= $3 \
                      and ($4 = '' or error_class = $4)";
        let list = format!(
            "select at, method, path, status, error_class, event, detail, duration_ms \
             from scim_requests {filter} order by at desc, id desc limit $5 offset $6"
        );
        let count = format!("select count(*) from scim_requests {filter}");
        let class = class.unwrap_or("");
        let (rows, total) = with_pool!(scope.db(), pool => {
            let rows = sqlx::query_as::<_, LogRow>(&list)
                .bind(scope.tenant_id())
                .bind(low)
                .bind(high)
                .bind(class)
                .bind(per_page)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query_scalar(&count)
                .bind(scope.tenant_id())
                .bind(low)
                .bind(high)
                .bind(class)
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        let entries = rows
            .into_iter()
            .map(|r| RequestLogEntry {
                at: r.at,
                method: r.method,
                path: r.path,
                status: u16::try_from(r.status).unwrap_or(0),
                error_class: r.error_class,
                detail: r.detail,
                event: r.event,
                duration_ms: r.duration_ms,
            })
            .collect();
        Ok(RequestLogPage { entries, total })
    }

    /// The error classes present in the tenant's request log, for the filter's choices.
    pub async fn request_log_error_classes(
        &self,
        scope: &TenantScope,
    ) -> Result<Vec<String>, sqlx::Error> {
        let sql = "select distinct error_class from scim_requests \
                   where tenant_id = $1 and error_class is not null order by error_class";
        Ok(with_pool!(scope.db(), pool => {
            sqlx::query_scalar::<_, String>(sql).bind(scope.tenant_id()).fetch_all(pool).await?
        }))
    }

    /// Directory counts and the failed requests of the last 24 hours.
    pub async fn directory_overview(
        &self,
        scope: &TenantScope,
    ) -> Result<DirectoryOverview, sqlx::Error> {
        let since = self.tenancy().now() - Duration::hours(24);
        let (counts, groups, errors) = with_pool!(scope.db(), pool => {
            let counts: Vec<(bool, i64)> = sqlx::query_as(
                "select active, count(*) from scim_users where tenant_id = $1 group by active",
            )
            .bind(scope.tenant_id())
            .fetch_all(pool)
            .await?;
            let groups: i64 = sqlx::query_scalar("select count(*) from scim_groups where tenant_id = $1")
                .bind(scope.tenant_id())
                .fetch_one(pool)
                .await?;
            let errors: i64 = sqlx::query_scalar(
                "select count(*) from scim_requests where tenant_id = $1 and status >= 400 and at >= $2",
            )
            .bind(scope.tenant_id())
            .bind(since)
            .fetch_one(pool)
            .await?;
            (counts, groups, errors)
        });
        let count = |active: bool| {
            counts
                .iter()
                .find(|(a, _)| *a == active)
                .map_or(0, |(_, n)| *n)
        };
        Ok(DirectoryOverview {
            users_active: count(true),
            users_inactive: count(false),
            groups,
            errors_last_24h: errors,
        })
    }

    /// The directory's health: how many users carry each of `fields` (JSON paths into the
    /// user document, e.g. `["name", "givenName"]` or [`profile_field_path`]), the values
    /// rejected in the last 7 days and why, and active users per management level.
    pub async fn directory_health(
        &self,
        scope: &TenantScope,
        fields: &[Vec<String>],
    ) -> Result<DirectoryHealth, sqlx::Error> {
        let overview = self.directory_overview(scope).await?;
        let engine = scope.db().engine();
        let text = json_text(engine, 2);
        let has = format!(
            "select count(*) from scim_users where tenant_id = $1 \
             and {text} is not null and {text} <> ''"
        );
        let mut coverage = Vec::with_capacity(fields.len());
        for path in fields {
            let bound = bound_path(engine, path);
            let users_with: i64 = with_pool!(scope.db(), pool => {
                sqlx::query_scalar(&has).bind(scope.tenant_id()).bind(&bound)
                    .fetch_one(pool)
                    .await?
            });
            coverage.push(FieldCoverage {
                path: path.clone(),
                users_with,
            });
        }
        let levels_sql = format!(
            "select {text}, count(*) from scim_users where tenant_id = $1 and active = $3 \
             group by 1 order by 2 desc, 1"
        );
        let level_path = bound_path(engine, &profile_field_path("managementLevel"));
        let since = self.tenancy().now() - Duration::days(7);
        let rejected_sql = "select coalesce(detail, ''), count(*), max(at) from scim_requests \
                            where tenant_id = $1 and error_class = 'invalid value' and at >= $2 \
                            group by 1 order by 2 desc, 1 limit 50";
        let (levels, rejected) = with_pool!(scope.db(), pool => {
            let levels: Vec<(Option<String>, i64)> =
                sqlx::query_as(&levels_sql).bind(scope.tenant_id()).bind(&level_path)
                    .bind(true)
                    .fetch_all(pool)
                    .await?;
            let rejected: Vec<(String, i64, DateTime<Utc>)> = sqlx::query_as(rejected_sql)
                .bind(scope.tenant_id())
                .bind(since)
                .fetch_all(pool)
                .await?;
            (levels, rejected)
        });
        Ok(DirectoryHealth {
            users_active: overview.users_active,
            users_inactive: overview.users_inactive,
            groups: overview.groups,
            fields: coverage,
            rejected: rejected
                .into_iter()
                .map(|(detail, count, last_at)| Rejection {
                    detail,
                    count,
                    last_at,
                })
                .collect(),
            management_levels: levels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filters_read_classes_and_exact_codes() {
        assert_eq!(StatusFilter::parse("4xx"), Some(StatusFilter::Class(4)));
        assert_eq!(StatusFilter::parse("404"), Some(StatusFilter::Exact(404)));
        assert_eq!(StatusFilter::parse("all"), None);
        assert_eq!(StatusFilter::parse("9xx"), None);
    }
}
