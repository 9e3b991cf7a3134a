//! Staff accounts of the console: argon2id passwords (hashed and checked on a blocking thread,
//! against a dummy hash when the account is unknown), and the sign-in back-off. Failed sign-ins
//! are counted in the database per account and per client address, so the back-off holds
//! across processes; a refused or throttled sign-in says the same whether or not the account
//! exists.

use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::{
    domain::Email,
    error::{Error, Result},
    secret,
    tenancy::Tenancy,
    with_pool,
};

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_LEN: usize = 12;
const MAX_PASSWORD_LEN: usize = 1024;
/// Failures an account may have before each further attempt waits.
const FREE_ACCOUNT_FAILURES: i64 = 3;
/// Failures a client address may have (several people may share one) before it waits.
const FREE_ADDRESS_FAILURES: i64 = 10;
/// The longest wait between attempts.
const MAX_DELAY_SECS: i64 = 15 * 60;
/// Failures older than this are forgotten at the next one.
const FAILURE_MEMORY: Duration = Duration::hours(24);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StaffAccount {
    pub email: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl StaffAccount {
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Accepted(Email),
    /// Wrong password, unknown or disabled account: deliberately one answer.
    Refused,
    /// Too many recent failures for this account or address: try again after the wait.
    Throttled {
        retry_after_secs: i64,
    },
}

/// The wait after `failures` recent failures when `free` are allowed: 2 s, 4 s, 8 s, … 15 min.
pub(crate) fn backoff_secs(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = u32::try_from((failures - free + 1).min(20)).unwrap_or(20);
    (1i64 << exponent).min(MAX_DELAY_SECS)
}

fn parse_email(email: &str) -> Result<Email> {
    Email::parse(&email.trim().to_lowercase())
}

fn check_password(password: &SecretString) -> Result<()> {
    let len = password.expose_secret().chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        return Err(Error::Invalid(format!(
            "the password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters long"
        )));
    }
    Ok(())
}

async fn hash_password(password: &SecretString) -> Result<String> {
    let text = password.expose_secret().to_owned();
    tokio::task::spawn_blocking(move || secret::argon2_hash(&text))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(Error::Internal)
}

const ACCOUNT_COLUMNS: &str = "email, created_by, created_at, disabled_at, last_login_at";

impl Tenancy {
    /// Adds a staff account, or re-enables a disabled one with a new password.
    pub async fn add_staff(
        &self,
        email: &str,
        password: &SecretString,
        created_by: &str,
    ) -> Result<StaffAccount> {
        let email = parse_email(email)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        let sql = "insert into staff_accounts (email, password_hash, created_by, created_at) \
                   values ($1, $2, $3, $4) \
                   on conflict (email) do update set password_hash = excluded.password_hash, \
                   disabled_at = null where staff_accounts.disabled_at is not null";
        let added = with_pool!(self.db(), pool => {
            sqlx::query(sql)
                .bind(email.as_str())
                .bind(&hash)
                .bind(created_by)
                .bind(self.now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if added == 0 {
            return Err(Error::Conflict(format!(
                "a staff account for {email} already exists"
            )));
        }
        tracing::info!(staff = %email, by = created_by, "staff account added");
        self.staff_account(email.as_str()).await
    }

    /// Adds the first staff account; refused once any account exists (the bootstrap URL).
    pub async fn add_first_staff(
        &self,
        email: &str,
        password: &SecretString,
    ) -> Result<StaffAccount> {
        let email = parse_email(email)?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        let sql = "insert into staff_accounts (email, password_hash, created_by, created_at) \
                   select $1, $2, 'bootstrap', $3 \
                   where not exists (select 1 from staff_accounts)";
        let added = with_pool!(self.db(), pool => {
            sqlx::query(sql)
                .bind(email.as_str())
                .bind(&hash)
                .bind(self.now())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if added == 0 {
            return Err(Error::Conflict("a staff account already exists".into()));
        }
        tracing::info!(staff = %email, "first staff account added through the bootstrap URL");
        self.staff_account(email.as_str()).await
    }

    /// Disables an account: its sessions stop working at their next request.
    pub async fn disable_staff(&self, email: &str) -> Result<StaffAccount> {
        let email = parse_email(email)?;
        let sql = "update staff_accounts set disabled_at = $2 \
                   where email = $1 and disabled_at is null";
        let done = with_pool!(self.db(), pool => {
            sqlx::query(sql).bind(email.as_str()).bind(self.now()).execute(pool).await?.rows_affected()
        });
        if done == 0 {
            return Err(Error::NotFound("active staff account"));
        }
        tracing::info!(staff = %email, "staff account disabled");
        self.staff_account(email.as_str()).await
    }

    pub async fn staff_account(&self, email: &str) -> Result<StaffAccount> {
        let sql = format!("select {ACCOUNT_COLUMNS} from staff_accounts where email = $1");
        let row = with_pool!(self.db(), pool => {
            sqlx::query_as::<_, StaffAccount>(&sql)
                .bind(email.trim().to_lowercase())
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(Error::NotFound("staff account"))
    }

    pub async fn list_staff(&self) -> Result<Vec<StaffAccount>> {
        let sql = format!("select {ACCOUNT_COLUMNS} from staff_accounts order by email");
        Ok(with_pool!(self.db(), pool => {
            sqlx::query_as::<_, StaffAccount>(&sql).fetch_all(pool).await?
        }))
    }

    /// Every account, active or disabled: the bootstrap URL works only while this is zero.
    pub async fn count_staff(&self) -> Result<i64> {
        Ok(with_pool!(self.db(), pool => {
            sqlx::query_scalar::<_, i64>("select count(*) from staff_accounts").fetch_one(pool).await?
        }))
    }

    /// Whether the account exists and is not disabled (checked on every console request).
    pub async fn staff_is_active(&self, email: &str) -> Result<bool> {
        match self.staff_account(email).await {
            Ok(account) => Ok(account.is_active()),
            Err(Error::NotFound(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Checks a sign-in from `client` (the peer address), with the back-off.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_staff(
        &self,
        email: &str,
        password: &SecretString,
        client: &str,
    ) -> Result<SignIn> {
        let normalised = email.trim().to_lowercase();
        let account_key = format!("account:{normalised}");
        let address_key = format!("address:{client}");
        let now = self.now();
        let wait = self
            .remaining_wait(&account_key, FREE_ACCOUNT_FAILURES, now)
            .await?
            .max(
                self.remaining_wait(&address_key, FREE_ADDRESS_FAILURES, now)
                    .await?,
            );
        if wait > 0 {
            return Ok(SignIn::Throttled {
                retry_after_secs: wait,
            });
        }
        let stored: Option<String> = with_pool!(self.db(), pool => {
            sqlx::query_scalar(
                "select password_hash from staff_accounts where email = $1 and disabled_at is null",
            )
            .bind(&normalised)
            .fetch_optional(pool)
            .await?
        });
        let known = stored.is_some();
        let hash = match stored {
            Some(hash) => hash,
            None => self.dummy_hash().await?,
        };
        let text = password.expose_secret().to_owned();
        let matches = tokio::task::spawn_blocking(move || secret::argon2_verify(&text, &hash))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        if known && matches {
            with_pool!(self.db(), pool => {
                sqlx::query("delete from staff_login_failures where key = $1")
                    .bind(&account_key)
                    .execute(pool)
                    .await?;
                sqlx::query("update staff_accounts set last_login_at = $2 where email = $1")
                    .bind(&normalised)
                    .bind(now)
                    .execute(pool)
                    .await?;
            });
            return Ok(SignIn::Accepted(Email::parse(&normalised)?));
        }
        let record = "insert into staff_login_failures (key, failures, last_failure_at) \
                      values ($1, 1, $2) on conflict (key) do update set \
                      failures = case when staff_login_failures.last_failure_at < $3 then 1 \
                      else staff_login_failures.failures + 1 end, last_failure_at = $2";
        with_pool!(self.db(), pool => {
            for key in [&account_key, &address_key] {
                sqlx::query(record)
                    .bind(key)
                    .bind(now)
                    .bind(now - FAILURE_MEMORY)
                    .execute(pool)
                    .await?;
            }
        });
        tracing::info!("a staff sign-in was refused");
        Ok(SignIn::Refused)
    }

    /// Seconds until `key` may try again (0: now).
    async fn remaining_wait(&self, key: &str, free: i64, now: DateTime<Utc>) -> Result<i64> {
        let row: Option<(i64, DateTime<Utc>)> = with_pool!(self.db(), pool => {
            sqlx::query_as(
                "select cast(failures as bigint), last_failure_at from staff_login_failures where key = $1",
            )
            .bind(key)
            .fetch_optional(pool)
            .await?
        });
        let Some((failures, last)) = row else {
            return Ok(0);
        };
        if last < now - FAILURE_MEMORY {
            return Ok(0);
        }
        let until = last + Duration::seconds(backoff_secs(failures, free));
        let remaining_ms = (until - now).num_milliseconds();
        Ok(if remaining_ms <= 0 {
            0
        } else {
            (remaining_ms + 999) / 1000
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_failures_up_to_fifteen_minutes() {
        let waits: Vec<i64> = (1..=14).map(|n| backoff_secs(n, 3)).collect();
        assert_eq!(
            waits,
            [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
        );
    }
}
