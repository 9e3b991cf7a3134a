//! Setup links: `{public_url}/setup/{id}.{secret}`, one live per tenant, expiring, revocable,
//! stored as a SHA-256 of the secret. Opening one is recorded; redeeming one mints the token
//! the customer admin pastes into the identity provider.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::{
    audit::{record_audit, Actor},
    error::{Error, Result},
    secret,
    tenancy::Tenancy,
    tenants::{Tenant, TenantState},
    tokens::MintedToken,
    with_pool,
};

/// A link just issued: its URL is shown (or emailed) once and never again.
#[derive(Debug)]
pub struct IssuedLink {
    pub url: SecretString,
    pub info: LinkInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    Issued,
    Opened,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkInfo {
    pub id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub first_opened_at: Option<DateTime<Utc>>,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub state: LinkState,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    tenant_id: String,
    id: String,
    secret_hash: String,
    created_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    first_opened_at: Option<DateTime<Utc>>,
    last_opened_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    fn info(&self, now: DateTime<Utc>) -> LinkInfo {
        let state = if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if self.expires_at <= now {
            LinkState::Expired
        } else if self.first_opened_at.is_some() {
            LinkState::Opened
        } else {
            LinkState::Issued
        };
        LinkInfo {
            id: self.id.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            first_opened_at: self.first_opened_at,
            last_opened_at: self.last_opened_at,
            state,
        }
    }
}

const LINK_COLUMNS: &str = "tenant_id, id, secret_hash, created_by, created_at, expires_at, \
    revoked_at, first_opened_at, last_opened_at";

/// A setup link that was just opened successfully.
#[derive(Debug, Clone)]
pub struct OpenedLink {
    pub tenant: Tenant,
    pub link: LinkInfo,
}

impl Tenancy {
    /// Issues a new setup link, revoking the tenant's previous one.
    pub async fn issue_link(
        &self,
        slug: &str,
        actor: &Actor,
        expires_in: Option<chrono::Duration>,
    ) -> Result<IssuedLink> {
        let tenant = self.tenant(slug).await?;
        let ttl = expires_in.unwrap_or(self.config().link_ttl);
        if ttl <= chrono::Duration::zero() || ttl > chrono::Duration::days(90) {
            return Err(Error::Invalid(
                "a setup link must expire within 90 days".into(),
            ));
        }
        let minted = secret::mint();
        let hash = secret::sha256_hex(minted.secret.expose_secret());
        let now = self.now();
        let expires_at = now + ttl;
        with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            let revoked = sqlx::query(
                "update setup_links set revoked_at = $2 where tenant_id = $1 and revoked_at is null",
            )
            .bind(&tenant.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if revoked > 0 {
                record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, actor, "link revoked", "ok", "replaced by a new link")?;
            }
            sqlx::query(
                "insert into setup_links (tenant_id, id, secret_hash, created_by, created_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&tenant.id)
            .bind(&minted.id)
            .bind(&hash)
            .bind(actor.to_string())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            let detail = format!("expires {}", expires_at.to_rfc3339());
            record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, actor, "link issued", "ok", &detail)?;
            tx.commit().await?;
        });
        let url = format!(
            "{}/setup/{}",
            self.config().public_url,
            secret::format_link(&minted).expose_secret()
        );
        Ok(IssuedLink {
            url: SecretString::from(url),
            info: LinkInfo {
                id: minted.id,
                created_by: actor.to_string(),
                created_at: now,
                expires_at,
                revoked_at: None,
                first_opened_at: None,
                last_opened_at: None,
                state: LinkState::Issued,
            },
        })
    }

    /// Revokes the tenant's live setup link.
    pub async fn revoke_link(&self, slug: &str, actor: &Actor) -> Result<()> {
        let tenant = self.tenant(slug).await?;
        let now = self.now();
        let revoked = with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "update setup_links set revoked_at = $2 where tenant_id = $1 and revoked_at is null",
            )
            .bind(&tenant.id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, actor, "link revoked", "ok", "")?;
            }
            tx.commit().await?;
            n
        });
        if revoked == 0 {
            return Err(Error::NotFound("live setup link"));
        }
        Ok(())
    }

    /// The tenant's most recent setup link, if any was issued.
    pub async fn current_link(&self, slug: &str) -> Result<Option<LinkInfo>> {
        let tenant = self.tenant(slug).await?;
        let sql = format!(
            "select {LINK_COLUMNS} from setup_links where tenant_id = $1 \
             order by created_at desc, id limit 1"
        );
        let row = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, LinkRow>(&sql).bind(&tenant.id).fetch_optional(pool).await?
        });
        Ok(row.map(|r| r.info(self.now())))
    }

    /// Finds the tenant a usable link belongs to. Unknown, malformed, expired and revoked links
    /// are all the same `LinkUnusable`, and so is a suspended tenant's link.
    async fn usable_link(&self, link: &str) -> Result<(Tenant, LinkRow)> {
        let (id, secret_text) = secret::parse_link(link).ok_or(Error::LinkUnusable)?;
        let sql = format!("select {LINK_COLUMNS} from setup_links where id = $1");
        let row = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, LinkRow>(&sql).bind(id).fetch_optional(pool).await?
        });
        let presented = secret::sha256_hex(secret_text);
        let row = row
            .filter(|r| secret::constant_time_eq(&presented, &r.secret_hash))
            .filter(|r| r.info(self.now()).state != LinkState::Expired && r.revoked_at.is_none())
            .ok_or(Error::LinkUnusable)?;
        let tenant = self
            .tenant_by_id(&row.tenant_id)
            .await
            .map_err(|_| Error::LinkUnusable)?;
        if tenant.state == TenantState::Suspended {
            return Err(Error::LinkUnusable);
        }
        Ok((tenant, row))
    }

    /// Opens a setup link: records the opening and returns its tenant.
    pub async fn open_link(&self, link: &str) -> Result<OpenedLink> {
        let (tenant, row) = self.usable_link(link).await?;
        let now = self.now();
        let first = row.first_opened_at.is_none();
        with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "update setup_links set first_opened_at = coalesce(first_opened_at, $3), \
                 last_opened_at = $3 where tenant_id = $1 and id = $2",
            )
            .bind(&tenant.id)
            .bind(&row.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if first {
                record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, &Actor::SetupLink, "link opened", "ok", "")?;
            }
            tx.commit().await?;
        });
        let mut info = row.info(now);
        info.first_opened_at.get_or_insert(now);
        info.last_opened_at = Some(now);
        info.state = LinkState::Opened;
        Ok(OpenedLink { tenant, link: info })
    }

    /// Mints a token for the customer admin holding a usable setup link.
    pub async fn mint_token_with_link(&self, link: &str) -> Result<MintedToken> {
        let (tenant, _) = self.usable_link(link).await?;
        self.mint_token_for(&tenant, &Actor::SetupLink).await
    }
}
