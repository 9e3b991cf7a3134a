//! The outbox table: queueing (with its cause, in one transaction), claiming due messages
//! under a lease, and recording each attempt's outcome. One SQL text serves both engines.

use chrono::{DateTime, Duration, Utc};
use roster_tenant::{with_pool, Tenant};

use crate::{
    error::PageError,
    mail::{self, Rendered},
    Web,
};

/// A message that keeps failing is given up after this many attempts (about two hours).
pub(crate) const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed message is reserved for the process sending it.
const LEASE: Duration = Duration::minutes(5);
/// "Email me the testing steps" is honoured at most this often per tenant.
pub(crate) const RESEND_INTERVAL: Duration = Duration::minutes(10);

/// Wait before attempt `attempts + 1`: one minute, doubling, at most an hour.
pub(crate) fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 6)).unwrap_or(0);
    Duration::minutes((1i64 << exponent).min(60))
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Message {
    pub tenant_id: String,
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
}

/// Why the testing steps were queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// The identity provider called for the first time: sent once per tenant.
    Connected,
    /// The admin asked on the setup page: rate-limited.
    Requested,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    Yes,
    /// Already queued once for this tenant's first connection.
    AlreadyDone,
    /// Asked again too soon after the last one.
    TooSoon,
}

const INSERT: &str = "insert into outbox (tenant_id, id, kind, recipient, subject, body_text, \
     body_html, carries_link, created_at, next_attempt_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)";

/// Queues the testing-steps email for the tenant's admin, marking the tenant in the same
/// transaction so that the automatic one goes out once, whichever process sees it first.
pub(crate) async fn queue_testing_steps(
    web: &Web,
    tenant: &Tenant,
    setup_url: Option<&str>,
    trigger: Trigger,
) -> Result<Queued, PageError> {
    let message = mail::testing_steps(
        web.vendor(),
        tenant,
        setup_url,
        trigger == Trigger::Connected,
    )?;
    let now = web.tenancy().now();
    let id = uuid::Uuid::now_v7().to_string();
    let cutoff = now - RESEND_INTERVAL;
    let Rendered {
        kind,
        recipient,
        subject,
        text,
        html,
        carries_link,
    } = message;
    let outcome = with_pool!(web.tenancy().db(), pool => {
        let mut tx = pool.begin().await?;
        // The update comes first: it locks the tenant's row, serialising concurrent queuers.
        let outcome = match trigger {
            Trigger::Connected => {
                let marked = sqlx::query(
                    "update tenants set testing_steps_queued_at = $2 where id = $1 \
                     and testing_steps_queued_at is null and first_request_at is not null",
                )
                .bind(&tenant.id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked == 1 { Queued::Yes } else { Queued::AlreadyDone }
            }
            Trigger::Requested => {
                sqlx::query(
                    "update tenants set testing_steps_queued_at = coalesce(testing_steps_queued_at, $2) \
                     where id = $1",
                )
                .bind(&tenant.id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let last: Option<DateTime<Utc>> = sqlx::query_scalar(
                    "select created_at from outbox where tenant_id = $1 and kind = $2 \
                     order by created_at desc limit 1",
                )
                .bind(&tenant.id)
                .bind(kind)
                .fetch_optional(&mut *tx)
                .await?;
                if last.is_some_and(|at| at > cutoff) { Queued::TooSoon } else { Queued::Yes }
            }
        };
        if outcome == Queued::Yes {
            sqlx::query(INSERT)
                .bind(&tenant.id)
                .bind(&id)
                .bind(kind)
                .bind(&recipient)
                .bind(&subject)
                .bind(&text)
                .bind(&html)
                .bind(carries_link)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        outcome
    });
    if outcome == Queued::Yes {
        tracing::info!(tenant = %tenant.slug, kind, "email queued");
        web.inner.wake.notify_one();
    }
    Ok(outcome)
}

/// Tenants whose identity provider has called but whose testing steps were not queued yet,
/// and whose first call is older than `before`.
pub(crate) async fn connected_without_steps(
    web: &Web,
    before: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = "select id from tenants where first_request_at is not null \
               and first_request_at <= $1 and testing_steps_queued_at is null \
               and suspended_at is null order by first_request_at limit 50";
    Ok(with_pool!(web.tenancy().db(), pool => {
        sqlx::query_scalar::<_, String>(sql).bind(before).fetch_all(pool).await?
    }))
}

/// Claims up to `limit` due messages for this process. A row is ours only if our update
/// changed it: another process that got there first leaves it claimed until its lease ends.
pub(crate) async fn claim_due(web: &Web, limit: i64) -> Result<Vec<Message>, sqlx::Error> {
    let now = web.tenancy().now();
    let lease_until = now + LEASE;
    let candidates =
        "select tenant_id, id from outbox where sent_at is null and failed_at is null \
                      and next_attempt_at <= $1 and (claimed_until is null or claimed_until < $1) \
                      order by next_attempt_at limit $2";
    let claim = "update outbox set claimed_until = $3, attempts = attempts + 1 \
                 where tenant_id = $1 and id = $2 and sent_at is null and failed_at is null \
                 and (claimed_until is null or claimed_until < $4)";
    let load = "select tenant_id, id, recipient, subject, body_text, body_html, attempts \
                from outbox where tenant_id = $1 and id = $2";
    Ok(with_pool!(web.tenancy().db(), pool => {
        let due: Vec<(String, String)> = sqlx::query_as(candidates)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?;
        let mut claimed = Vec::new();
        for (tenant_id, id) in due {
            let won = sqlx::query(claim)
                .bind(&tenant_id)
                .bind(&id)
                .bind(lease_until)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected();
            if won == 1 {
                claimed.push(
                    sqlx::query_as::<_, Message>(load)
                        .bind(&tenant_id)
                        .bind(&id)
                        .fetch_one(pool)
                        .await?,
                );
            }
        }
        claimed
    }))
}

/// Records a delivery; a body that carried a setup link is cleared, the row stays.
pub(crate) async fn mark_sent(web: &Web, message: &Message) -> Result<(), sqlx::Error> {
    let sql = "update outbox set sent_at = $3, claimed_until = null, last_error = null, \
               body_text = case when carries_link then '' else body_text end, \
               body_html = case when carries_link then '' else body_html end, \
               body_cleared = carries_link \
               where tenant_id = $1 and id = $2";
    with_pool!(web.tenancy().db(), pool => {
        sqlx::query(sql)
            .bind(&message.tenant_id)
            .bind(&message.id)
            .bind(web.tenancy().now())
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Records a failed attempt with the server's answer: retried later, or given up for good.
pub(crate) async fn mark_failed(
    web: &Web,
    message: &Message,
    answer: &str,
) -> Result<bool, sqlx::Error> {
    let now = web.tenancy().now();
    let give_up = message.attempts >= MAX_ATTEMPTS;
    let sql = if give_up {
        "update outbox set failed_at = $3, claimed_until = null, last_error = $4 \
         where tenant_id = $1 and id = $2"
    } else {
        "update outbox set next_attempt_at = $3, claimed_until = null, last_error = $4 \
         where tenant_id = $1 and id = $2"
    };
    let at = if give_up {
        now
    } else {
        now + backoff(message.attempts)
    };
    with_pool!(web.tenancy().db(), pool => {
        sqlx::query(sql)
            .bind(&message.tenant_id)
            .bind(&message.id)
            .bind(at)
            .bind(answer)
            .execute(pool)
            .await?;
    });
    Ok(give_up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_a_minute_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|a| backoff(a).num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
    }
}

/// Queues a rendered message for a tenant (the setup link a staff member sends).
pub(crate) async fn queue_message(
    web: &Web,
    tenant: &Tenant,
    message: Rendered,
) -> Result<(), PageError> {
    let now = web.tenancy().now();
    let id = uuid::Uuid::now_v7().to_string();
    with_pool!(web.tenancy().db(), pool => {
        sqlx::query(INSERT)
            .bind(&tenant.id)
            .bind(&id)
            .bind(message.kind)
            .bind(&message.recipient)
            .bind(&message.subject)
            .bind(&message.text)
            .bind(&message.html)
            .bind(message.carries_link)
            .bind(now)
            .execute(pool)
            .await?;
    });
    tracing::info!(tenant = %tenant.slug, kind = message.kind, "email queued");
    web.inner.wake.notify_one();
    Ok(())
}

/// One outgoing message as the staff console lists it: never its body.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Delivery {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl Delivery {
    /// "sent", "gave up", "retrying" or "queued".
    pub fn state(&self) -> &'static str {
        match (self.sent_at, self.failed_at, self.attempts) {
            (Some(_), _, _) => "sent",
            (None, Some(_), _) => "gave up",
            (None, None, 0) => "queued",
            (None, None, _) => "retrying",
        }
    }
}

/// The tenant's outgoing email, newest first.
pub(crate) async fn deliveries(web: &Web, tenant: &Tenant) -> Result<Vec<Delivery>, sqlx::Error> {
    let sql = "select kind, recipient, subject, created_at, attempts, next_attempt_at, sent_at, \
               failed_at, last_error from outbox where tenant_id = $1 \
               order by created_at desc, id desc limit 100";
    Ok(with_pool!(web.tenancy().db(), pool => {
        sqlx::query_as::<_, Delivery>(sql).bind(&tenant.id).fetch_all(pool).await?
    }))
}
