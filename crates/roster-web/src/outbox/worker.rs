//! The outbox worker: every second (or at once when woken), queue the testing steps for newly
//! connected tenants, then deliver the due messages. It stops on shutdown after the message
//! in hand.

use std::time::Duration;

use tokio::sync::watch;

use super::store::{self, Trigger};
use crate::Web;

/// How long after the first call the worker queues the link-less testing steps. Until then
/// the admin's open setup page (which polls its status with the link) queues them with the
/// link in.
const PAGE_GRACE: chrono::Duration = chrono::Duration::minutes(2);
const BATCH: i64 = 20;

pub(crate) async fn run_worker(web: Web, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
            _ = tick.tick() => {}
            _ = web.inner.wake.notified() => {}
        }
        queue_for_connected_tenants(&web).await;
        deliver_due(&web, &shutdown).await;
        web.inner.limiter.retain_recent();
    }
}

async fn queue_for_connected_tenants(web: &Web) {
    let before = web.tenancy().now() - PAGE_GRACE;
    let ids = match store::connected_without_steps(web, before).await {
        Ok(ids) => ids,
        Err(error) => {
            tracing::error!(%error, "could not look for newly connected tenants");
            return;
        }
    };
    for id in ids {
        let queued = match web.tenancy().tenant_by_id(&id).await {
            Ok(tenant) => store::queue_testing_steps(web, &tenant, None, Trigger::Connected)
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        };
        if let Err(error) = queued {
            tracing::error!(%error, tenant_id = %id, "could not queue the testing steps");
        }
    }
}

async fn deliver_due(web: &Web, shutdown: &watch::Receiver<bool>) {
    let messages = match store::claim_due(web, BATCH).await {
        Ok(messages) => messages,
        Err(error) => {
            tracing::error!(%error, "could not read the outbox");
            return;
        }
    };
    for message in messages {
        // Claimed but unsent messages are picked up again once their lease runs out.
        if *shutdown.borrow() {
            return;
        }
        let recorded = match web.inner.mailer.deliver(&message).await {
            Ok(()) => {
                tracing::info!(message_id = %message.id, "email delivered");
                store::mark_sent(web, &message).await
            }
            Err(answer) => match store::mark_failed(web, &message, &answer).await {
                Ok(true) => {
                    tracing::error!(message_id = %message.id, %answer, attempts = message.attempts, "email given up");
                    Ok(())
                }
                Ok(false) => {
                    tracing::warn!(message_id = %message.id, %answer, attempts = message.attempts, "email delivery failed; will retry");
                    Ok(())
                }
                Err(e) => Err(e),
            },
        };
        if let Err(error) = recorded {
            tracing::error!(%error, message_id = %message.id, "could not record an email delivery");
        }
    }
}
