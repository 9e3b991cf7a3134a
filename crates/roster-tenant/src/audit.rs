//! The audit trail: who did what to a tenant, when, and how it ended. Never a secret.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{domain::Email, error::Result, tenancy::Tenancy, with_pool};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff(Email),
    SetupLink,
    Cli,
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Staff(email) => f.write_str(email.as_str()),
            Actor::SetupLink => f.write_str("setup link"),
            Actor::Cli => f.write_str("cli"),
            Actor::System => f.write_str("system"),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub tenant_slug: String,
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub detail: String,
}

/// Inserts one audit row with the given executor (a pool or a transaction).
macro_rules! record_audit {
    ($executor:expr, $tenant_id:expr, $slug:expr, $at:expr, $actor:expr, $action:expr, $outcome:expr, $detail:expr) => {
        sqlx::query(
            "insert into audit_events (tenant_id, id, tenant_slug, at, actor, action, outcome, detail) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($tenant_id)
        .bind(uuid::Uuid::now_v7().to_string()) // time-ordered: breaks ties of `at`
        .bind($slug)
        .bind($at)
        .bind($actor.to_string())
        .bind($action)
        .bind($outcome)
        .bind($detail)
        .execute($executor)
        .await
    };
}
pub(crate) use record_audit;

impl Tenancy {
    /// The tenant's audit trail, newest first.
    pub async fn audit_trail(&self, slug: &str) -> Result<Vec<AuditEvent>> {
        let tenant = self.tenant(slug).await?;
        let sql = "select at, tenant_slug, actor, action, outcome, detail from audit_events \
                   where tenant_id = $1 order by at desc, id desc";
        Ok(with_pool!(self.db(), pool => {
            sqlx::query_as::<_, AuditEvent>(sql).bind(&tenant.id).fetch_all(pool).await?
        }))
    }

    /// Records an action that failed, or that has no transaction of its own.
    pub(crate) async fn audit(
        &self,
        tenant_id: &str,
        slug: &str,
        actor: &Actor,
        action: &str,
        outcome: &str,
        detail: &str,
    ) -> Result<()> {
        let now = self.now();
        with_pool!(self.db(), pool => {
            record_audit!(pool, tenant_id, slug, now, actor, action, outcome, detail)?;
        });
        Ok(())
    }
}
