//! Tenants: one per customer company, from onboarding to live, suspension and deletion.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{
    audit::{record_audit, Actor},
    db::is_unique_violation,
    domain::{Email, TenantSlug},
    error::{Error, Result},
    scope::TenantScope,
    tenancy::Tenancy,
    with_pool,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantState {
    /// Created; the identity provider has not called yet.
    Onboarding,
    /// The identity provider has authenticated (Okta's "Test API Credentials").
    Connected,
    /// Users have arrived.
    Live,
    /// Refused at the door; nothing deleted.
    Suspended,
}

impl TenantState {
    pub fn as_str(&self) -> &'static str {
        match self {
            TenantState::Onboarding => "onboarding",
            TenantState::Connected => "connected",
            TenantState::Live => "live",
            TenantState::Suspended => "suspended",
        }
    }

    fn from_row(state: &str, suspended: bool) -> Self {
        match (suspended, state) {
            (true, _) => TenantState::Suspended,
            (_, "connected") => TenantState::Connected,
            (_, "live") => TenantState::Live,
            _ => TenantState::Onboarding,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub display_name: String,
    pub state: TenantState,
    pub admin_name: Option<String>,
    pub admin_email: String,
    pub allowed_domains: Vec<String>,
    pub scim_base_url: String,
    pub first_request_at: Option<DateTime<Utc>>,
    pub last_request_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: String,
    slug: String,
    display_name: String,
    state: String,
    suspended_at: Option<DateTime<Utc>>,
    admin_name: Option<String>,
    admin_email: String,
    allowed_domains: String,
    first_request_at: Option<DateTime<Utc>>,
    last_request_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const TENANT_COLUMNS: &str = "id, slug, display_name, state, suspended_at, admin_name, \
    admin_email, allowed_domains, first_request_at, last_request_at, created_at, updated_at";

/// What staff provide to onboard a company.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub display_name: String,
    /// Suggested from the name when absent.
    pub slug: Option<String>,
    pub admin_name: Option<String>,
    pub admin_email: String,
    pub allowed_domains: Vec<String>,
}

impl Tenancy {
    fn to_tenant(&self, row: TenantRow) -> Tenant {
        Tenant {
            scim_base_url: self.scim_base_url(&row.slug),
            state: TenantState::from_row(&row.state, row.suspended_at.is_some()),
            allowed_domains: row
                .allowed_domains
                .split(',')
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
            id: row.id,
            slug: row.slug,
            display_name: row.display_name,
            admin_name: row.admin_name,
            admin_email: row.admin_email,
            first_request_at: row.first_request_at,
            last_request_at: row.last_request_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    pub async fn create_tenant(&self, new: NewTenant, actor: &Actor) -> Result<Tenant> {
        let display_name = new.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.len() > 200 {
            return Err(Error::Invalid(
                "the company name must be 1 to 200 characters".into(),
            ));
        }
        let slug = match new.slug.as_deref() {
            Some(slug) => TenantSlug::parse(slug)?,
            None => TenantSlug::parse(&TenantSlug::suggest(&display_name)).map_err(|_| {
                Error::Invalid(format!(
                    "no slug can be made from {display_name:?}; give one with --slug"
                ))
            })?,
        };
        let admin_email = Email::parse(&new.admin_email)?;
        let mut domains = Vec::new();
        for domain in &new.allowed_domains {
            let domain = domain.trim().trim_start_matches('@').to_ascii_lowercase();
            Email::parse(&format!("x@{domain}"))
                .map_err(|_| Error::Invalid(format!("{domain:?} is not a valid email domain")))?;
            domains.push(domain);
        }
        let admin_name = new
            .admin_name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.now();
        let insert =
            "insert into tenants (id, slug, display_name, state, admin_name, admin_email, \
                      allowed_domains, created_at, updated_at) \
                      values ($1, $2, $3, 'onboarding', $4, $5, $6, $7, $7)";
        let result: std::result::Result<(), sqlx::Error> = with_pool!(self.db(), pool => {
            async {
                let mut tx = pool.begin().await?;
                sqlx::query(insert)
                    .bind(&id)
                    .bind(slug.as_str())
                    .bind(&display_name)
                    .bind(&admin_name)
                    .bind(admin_email.as_str())
                    .bind(domains.join(","))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                record_audit!(&mut *tx, &id, slug.as_str(), now, actor, "tenant created", "ok", &display_name)?;
                tx.commit().await
            }
            .await
        });
        match result {
            Err(e) if is_unique_violation(&e) => Err(Error::Conflict(format!(
                "the slug {slug} is already taken; choose another"
            ))),
            other => {
                other?;
                self.tenant(slug.as_str()).await
            }
        }
    }

    /// The tenant with this slug.
    pub async fn tenant(&self, slug: &str) -> Result<Tenant> {
        let sql = format!("select {TENANT_COLUMNS} from tenants where slug = $1");
        let row = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, TenantRow>(&sql).bind(slug).fetch_optional(pool).await?
        });
        row.map(|r| self.to_tenant(r))
            .ok_or(Error::NotFound("tenant"))
    }

    pub async fn tenant_by_id(&self, id: &str) -> Result<Tenant> {
        let sql = format!("select {TENANT_COLUMNS} from tenants where id = $1");
        let row = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, TenantRow>(&sql).bind(id).fetch_optional(pool).await?
        });
        row.map(|r| self.to_tenant(r))
            .ok_or(Error::NotFound("tenant"))
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let sql = format!("select {TENANT_COLUMNS} from tenants order by display_name, slug");
        let rows = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, TenantRow>(&sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|r| self.to_tenant(r)).collect())
    }

    /// A scoped handle for an operator (staff console, CLI) acting on a named tenant.
    pub async fn scope_for_operator(&self, slug: &str) -> Result<TenantScope> {
        let tenant = self.tenant(slug).await?;
        Ok(self.scope(&tenant))
    }

    pub(crate) fn scope(&self, tenant: &Tenant) -> TenantScope {
        TenantScope::new(
            self.db().clone(),
            tenant.id.clone(),
            TenantSlug::from_stored(&tenant.slug),
        )
    }

    pub async fn suspend_tenant(&self, slug: &str, actor: &Actor) -> Result<Tenant> {
        self.set_suspended(slug, actor, true).await
    }

    pub async fn resume_tenant(&self, slug: &str, actor: &Actor) -> Result<Tenant> {
        self.set_suspended(slug, actor, false).await
    }

    async fn set_suspended(&self, slug: &str, actor: &Actor, suspend: bool) -> Result<Tenant> {
        let tenant = self.tenant(slug).await?;
        let now = self.now();
        let (sql, action) = if suspend {
            (
                "update tenants set suspended_at = $2, updated_at = $2 where id = $1",
                "tenant suspended",
            )
        } else {
            (
                "update tenants set suspended_at = null, updated_at = $2 where id = $1",
                "tenant resumed",
            )
        };
        with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(sql).bind(&tenant.id).bind(now).execute(&mut *tx).await?;
            record_audit!(&mut *tx, &tenant.id, slug, now, actor, action, "ok", "")?;
            tx.commit().await?;
        });
        // Cached verifications must not outlive a suspension in this process.
        self.inner.verified.invalidate_all();
        self.tenant(slug).await
    }

    /// Deletes the tenant and, through the foreign keys, its tokens, links and directory.
    /// The audit trail stays, with the deletion as its last entry.
    pub async fn delete_tenant(&self, slug: &str, actor: &Actor) -> Result<()> {
        let tenant = self.tenant(slug).await?;
        let now = self.now();
        with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("delete from tenants where id = $1").bind(&tenant.id).execute(&mut *tx).await?;
            record_audit!(&mut *tx, &tenant.id, slug, now, actor, "tenant deleted", "ok", "")?;
            tx.commit().await?;
        });
        self.inner.verified.invalidate_all();
        Ok(())
    }

    /// Records that the tenant's identity provider called: the first call turns an onboarding
    /// tenant "connected".
    pub async fn record_scim_activity(&self, scope: &TenantScope, at: DateTime<Utc>) -> Result<()> {
        let sql = "update tenants set \
                   first_request_at = coalesce(first_request_at, $2), last_request_at = $2, \
                   state = case when state = 'onboarding' then 'connected' else state end \
                   where id = $1";
        with_pool!(self.db(), pool => {
            sqlx::query(sql).bind(scope.tenant_id()).bind(at).execute(pool).await?;
        });
        Ok(())
    }

    /// Records that users have arrived: a connected tenant turns "live".
    pub async fn mark_live(&self, scope: &TenantScope) -> Result<()> {
        let sql = "update tenants set state = 'live', updated_at = $2 \
                   where id = $1 and state <> 'live'";
        with_pool!(self.db(), pool => {
            sqlx::query(sql).bind(scope.tenant_id()).bind(self.now()).execute(pool).await?;
        });
        Ok(())
    }
}
