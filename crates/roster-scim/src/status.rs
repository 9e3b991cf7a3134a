//! What a tenant's identity provider has done so far, for the setup page and the staff console:
//! connection, directory counts, the last error, and the testing checklist as observed in the
//! tenant's SCIM traffic.

use chrono::{DateTime, Utc};
use roster_tenant::{with_pool, TenantScope};
use serde::Serialize;

use crate::service::Scim;

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistStep {
    pub key: &'static str,
    pub label: &'static str,
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TenantStatus {
    pub first_request_at: Option<DateTime<Utc>>,
    pub last_request_at: Option<DateTime<Utc>>,
    /// Users who are active members: SCIM `active` and a profile status that is not inactive.
    pub users_active: i64,
    pub users_inactive: i64,
    pub groups: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub checklist: Vec<ChecklistStep>,
}

/// The testing steps, in the order an admin runs them, with the request-log event that ticks
/// each one off ("credentials tested" is the first authenticated request).
pub const CHECKLIST: [(&str, &str); 7] = [
    ("credentials tested", "Okta tested the API credentials"),
    ("user created", "A user was created"),
    ("user updated", "A user was updated"),
    ("user deactivated", "A user was deactivated"),
    ("user reactivated", "A user was reactivated"),
    ("group created", "A group was pushed"),
    ("membership changed", "A group membership changed"),
];

#[derive(sqlx::FromRow)]
struct TenantActivity {
    first_request_at: Option<DateTime<Utc>>,
    last_request_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
}

impl Scim {
    /// The tenant's status as of the last request-log flush (at most a second old).
    pub async fn status(&self, scope: &TenantScope) -> Result<TenantStatus, sqlx::Error> {
        let tenant_id = scope.tenant_id();
        let (activity, counts, groups, events) = with_pool!(scope.db(), pool => {
            let activity = sqlx::query_as::<_, TenantActivity>(
                "select first_request_at, last_request_at, last_error, last_error_at \
                 from tenants where id = $1",
            )
            .bind(tenant_id)
            .fetch_one(pool)
            .await?;
            let counts: Vec<(bool, i64)> = sqlx::query_as(
                "select active, count(*) from scim_users where tenant_id = $1 group by active",
            )
            .bind(tenant_id)
            .fetch_all(pool)
            .await?;
            let groups: i64 = sqlx::query_scalar("select count(*) from scim_groups where tenant_id = $1")
                .bind(tenant_id)
                .fetch_one(pool)
                .await?;
            let events: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
                "select event, min(at) from scim_requests \
                 where tenant_id = $1 and event is not null group by event",
            )
            .bind(tenant_id)
            .fetch_all(pool)
            .await?;
            (activity, counts, groups, events)
        });
        let count = |active: bool| {
            counts
                .iter()
                .find(|(a, _)| *a == active)
                .map_or(0, |(_, n)| *n)
        };
        let checklist = CHECKLIST
            .iter()
            .map(|(key, label)| ChecklistStep {
                key,
                label,
                done_at: if *key == "credentials tested" {
                    activity.first_request_at
                } else {
                    events.iter().find(|(e, _)| e == key).map(|(_, at)| *at)
                },
            })
            .collect();
        Ok(TenantStatus {
            first_request_at: activity.first_request_at,
            last_request_at: activity.last_request_at,
            users_active: count(true),
            users_inactive: count(false),
            groups,
            last_error: activity.last_error,
            last_error_at: activity.last_error_at,
            checklist,
        })
    }
}
