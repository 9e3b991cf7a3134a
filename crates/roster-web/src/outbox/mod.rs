//! The outbox: every message is written to the `outbox` table in the same transaction as its
//! cause, then delivered by a background worker with retries and back-off. Rows are claimed
//! with a lease, so any number of processes sharing one PostgreSQL never send a message twice
//! at once, and a crash mid-send only delays the message until the lease runs out.

mod store;
mod transport;
mod worker;

pub(crate) use store::{deliveries, queue_message, queue_testing_steps, Delivery, Queued, Trigger};
pub(crate) use transport::Mailer;
pub(crate) use worker::run_worker;
