-- Outgoing email: every message is written here in the same transaction as its cause, then
-- sent by the outbox worker with retries. A delivered message that carried a setup link keeps
-- its row (the delivery record) but loses its bodies.
create table outbox (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    kind text not null,
    recipient text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    carries_link boolean not null,
    body_cleared boolean not null default false,
    created_at timestamptz not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,
    sent_at timestamptz,
    failed_at timestamptz,
    last_error text,
    primary key (tenant_id, id)
);
-- The worker's queue, across tenants (like the request log's retention index).
create index outbox_due on outbox (next_attempt_at) where sent_at is null and failed_at is null;
create index outbox_by_kind on outbox (tenant_id, kind, created_at);

-- When the testing-steps email was queued because the identity provider first called.
alter table tenants add column testing_steps_queued_at timestamptz;
-- Tenants already connected before this migration are not emailed out of the blue.
update tenants set testing_steps_queued_at = first_request_at where first_request_at is not null;
