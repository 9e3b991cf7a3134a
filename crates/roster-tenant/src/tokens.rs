//! Bearer tokens: minted once, stored as argon2id hashes, at most two live per tenant, and
//! verified with a short-lived in-memory cache so that steady SCIM traffic costs no argon2.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::{
    audit::{record_audit, Actor},
    error::{Error, Result},
    scope::TenantScope,
    secret::{self, TOKEN_PREFIX},
    tenancy::Tenancy,
    tenants::{Tenant, TenantState},
    with_pool,
};

/// At most this many live tokens per tenant: the old and the new one while rotating.
pub const MAX_LIVE_TOKENS: i64 = 2;

/// A token, as staff and the admin may see it: never the secret.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// The visible start of the token, enough to tell two tokens apart.
    pub fn prefix(&self) -> String {
        format!("{TOKEN_PREFIX}{}", self.id)
    }

    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A freshly minted token: the only time its secret exists outside the caller's hands.
#[derive(Debug)]
pub struct MintedToken {
    pub token: SecretString,
    pub info: TokenInfo,
}

#[derive(Debug, Clone)]
pub(crate) struct CachedCredential {
    tenant_id: String,
    token_id: String,
    slug: String,
}

impl Tenancy {
    /// Mints a token for the tenant. Refused when two are already live.
    pub async fn mint_token(&self, slug: &str, actor: &Actor) -> Result<MintedToken> {
        let tenant = self.tenant(slug).await?;
        self.mint_token_for(&tenant, actor).await
    }

    pub(crate) async fn mint_token_for(
        &self,
        tenant: &Tenant,
        actor: &Actor,
    ) -> Result<MintedToken> {
        let minted = secret::mint();
        let secret_text = minted.secret.expose_secret().to_owned();
        let hash = tokio::task::spawn_blocking(move || secret::argon2_hash(&secret_text))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
            .map_err(Error::Internal)?;
        let now = self.now();
        let action = "token minted";
        let outcome: std::result::Result<bool, sqlx::Error> = with_pool!(self.db(), pool => {
            async {
                let mut tx = pool.begin().await?;
                // Touching the tenant row first serialises concurrent mints of one tenant.
                sqlx::query("update tenants set updated_at = $2 where id = $1")
                    .bind(&tenant.id).bind(now).execute(&mut *tx).await?;
                let live: i64 = sqlx::query_scalar(
                    "select count(*) from tokens where tenant_id = $1 and revoked_at is null",
                )
                .bind(&tenant.id)
                .fetch_one(&mut *tx)
                .await?;
                if live >= MAX_LIVE_TOKENS {
                    return Ok(false);
                }
                sqlx::query(
                    "insert into tokens (tenant_id, id, secret_hash, created_by, created_at) \
                     values ($1, $2, $3, $4, $5)",
                )
                .bind(&tenant.id)
                .bind(&minted.id)
                .bind(&hash)
                .bind(actor.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let detail = format!("{TOKEN_PREFIX}{}", minted.id);
                record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, actor, action, "ok", &detail)?;
                tx.commit().await?;
                Ok(true)
            }
            .await
        });
        if !outcome? {
            self.audit(
                &tenant.id,
                &tenant.slug,
                actor,
                action,
                "refused",
                "two tokens are already live",
            )
            .await?;
            return Err(Error::Conflict(format!(
                "{} already has {MAX_LIVE_TOKENS} live tokens; revoke one before minting another",
                tenant.slug
            )));
        }
        Ok(MintedToken {
            token: secret::format_token(&minted),
            info: TokenInfo {
                id: minted.id,
                created_by: actor.to_string(),
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            },
        })
    }

    /// Every token of the tenant, live and revoked, newest first.
    pub async fn list_tokens(&self, slug: &str) -> Result<Vec<TokenInfo>> {
        let tenant = self.tenant(slug).await?;
        let sql = "select id, created_by, created_at, last_used_at, revoked_at from tokens \
                   where tenant_id = $1 order by created_at desc, id";
        Ok(with_pool!(self.db(), pool => {
            sqlx::query_as::<_, TokenInfo>(sql).bind(&tenant.id).fetch_all(pool).await?
        }))
    }

    /// Revokes one token, named by its id or its prefix (`roster_<id>`). Takes effect at once in
    /// this process, and within the cache TTL in every other.
    pub async fn revoke_token(&self, slug: &str, token: &str, actor: &Actor) -> Result<TokenInfo> {
        let tenant = self.tenant(slug).await?;
        let id = token.trim().trim_start_matches(TOKEN_PREFIX);
        let id = id.get(..16).unwrap_or(id);
        let now = self.now();
        let revoked = with_pool!(self.db(), pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "update tokens set revoked_at = $3 \
                 where tenant_id = $1 and id = $2 and revoked_at is null",
            )
            .bind(&tenant.id)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                let detail = format!("{TOKEN_PREFIX}{id}");
                record_audit!(&mut *tx, &tenant.id, &tenant.slug, now, actor, "token revoked", "ok", &detail)?;
            }
            tx.commit().await?;
            done == 1
        });
        self.inner.verified.invalidate_all();
        if !revoked {
            return Err(Error::NotFound("live token"));
        }
        self.list_tokens(slug)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(Error::NotFound("token"))
    }

    /// Checks `Authorization: Bearer …` for the tenant named in the URL. Any failure is the same
    /// `Unauthorized`, and takes about as long whether or not the tenant or token exists.
    ///
    /// Concurrent checks of the same credential share one verification, so that when its cache
    /// entry expires under load one request re-checks it while the others wait for the answer.
    #[tracing::instrument(skip_all, fields(tenant = slug))]
    pub async fn authenticate(
        &self,
        slug: &str,
        authorization: Option<&str>,
    ) -> Result<TenantScope> {
        let token = authorization
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .unwrap_or("");
        let key = secret::sha256(&[slug.as_bytes(), token.as_bytes()]);
        let credential = self
            .inner
            .verified
            .try_get_with(key, self.verify(slug, token, key))
            .await
            .map_err(|shared| match &*shared {
                Error::Unauthorized => Error::Unauthorized,
                other => Error::Internal(other.to_string()),
            })?;
        self.note_use(&credential.tenant_id, &credential.token_id);
        let slug = crate::domain::TenantSlug::from_stored(&credential.slug);
        Ok(TenantScope::new(
            self.db().clone(),
            credential.tenant_id,
            slug,
        ))
    }

    /// Checks a credential against the database. A token already proven against the stored
    /// hash it still has (not revoked, not rotated) needs no second argon2 run: the cache
    /// expiry is there to notice revocation and suspension in other processes, which the
    /// database read does.
    async fn verify(&self, slug: &str, token: &str, key: [u8; 32]) -> Result<CachedCredential> {
        let parsed = secret::parse_token(token);
        let tenant = match parsed {
            Some(_) => self.tenant(slug).await.ok(),
            None => None,
        };
        let stored_hash = match (&tenant, parsed) {
            (Some(tenant), Some((id, _))) => {
                let sql = "select secret_hash from tokens \
                           where tenant_id = $1 and id = $2 and revoked_at is null";
                with_pool!(self.db(), pool => {
                    sqlx::query_scalar::<_, String>(sql)
                        .bind(&tenant.id)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?
                })
            }
            _ => None,
        };
        let proven = match (&stored_hash, self.inner.proven.get(&key)) {
            (Some(stored), Some(proven)) => secret::constant_time_eq(stored, &proven),
            _ => false,
        };
        let matches = proven || {
            let hash = match &stored_hash {
                Some(hash) => hash.clone(),
                None => self.dummy_hash().await?,
            };
            let secret_text = parsed.map(|(_, s)| s.to_owned()).unwrap_or_default();
            self.inner.argon2_runs.fetch_add(1, Ordering::Relaxed);
            tokio::task::spawn_blocking(move || secret::argon2_verify(&secret_text, &hash))
                .await
                .map_err(|e| Error::Internal(e.to_string()))?
        };
        let (Some(tenant), Some((token_id, _)), Some(stored_hash), true) =
            (tenant, parsed, stored_hash, matches)
        else {
            return Err(Error::Unauthorized);
        };
        if tenant.state == TenantState::Suspended {
            return Err(Error::Unauthorized);
        }
        self.inner.proven.insert(key, stored_hash);
        Ok(CachedCredential {
            tenant_id: tenant.id,
            token_id: token_id.to_owned(),
            slug: tenant.slug,
        })
    }

    /// How many argon2 verifications this process has run (the cache keeps this low).
    pub fn argon2_verifications(&self) -> u64 {
        self.inner.argon2_runs.load(Ordering::Relaxed)
    }

    pub(crate) async fn dummy_hash(&self) -> Result<String> {
        self.inner
            .dummy_hash
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(|| secret::argon2_hash("roster-dummy-secret"))
                    .await
                    .map_err(|e| Error::Internal(e.to_string()))?
                    .map_err(Error::Internal)
            })
            .await
            .cloned()
    }

    /// Writes `last_used_at` at most once a minute per token, off the request's path.
    fn note_use(&self, tenant_id: &str, token_id: &str) {
        if self.inner.recently_used.contains_key(token_id) {
            return;
        }
        self.inner.recently_used.insert(token_id.to_owned(), ());
        let this = self.clone();
        let (tenant_id, token_id) = (tenant_id.to_owned(), token_id.to_owned());
        tokio::spawn(async move {
            // Conditional, so that several processes write it at most once a minute between them.
            let sql = "update tokens set last_used_at = $3 where tenant_id = $1 and id = $2 \
                       and (last_used_at is null or last_used_at < $4)";
            let now = this.now();
            let a_minute_ago = now - chrono::Duration::minutes(1);
            let result: std::result::Result<(), sqlx::Error> = with_pool!(this.db(), pool => {
                sqlx::query(sql).bind(&tenant_id).bind(&token_id).bind(now).bind(a_minute_ago).execute(pool).await.map(|_| ())
            });
            if let Err(error) = result {
                tracing::warn!(%error, "could not record a token's last use");
            }
        });
    }
}
