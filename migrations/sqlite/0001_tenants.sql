-- Tenants, their bearer tokens, setup links and audit trail.
create table tenants (
    id text primary key,
    slug text not null unique,
    display_name text not null,
    state text not null,
    suspended_at text,
    admin_name text,
    admin_email text not null,
    allowed_domains text not null default '',
    first_request_at text,
    last_request_at text,
    created_at text not null,
    updated_at text not null
);

create table tokens (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    secret_hash text not null,
    created_by text not null,
    created_at text not null,
    last_used_at text,
    revoked_at text,
    primary key (tenant_id, id)
);

create table setup_links (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null unique,
    secret_hash text not null,
    created_by text not null,
    created_at text not null,
    expires_at text not null,
    revoked_at text,
    first_opened_at text,
    last_opened_at text,
    primary key (tenant_id, id)
);

-- No foreign key: the trail of a deleted tenant outlives it.
create table audit_events (
    tenant_id text not null,
    id text not null,
    tenant_slug text not null,
    at text not null,
    actor text not null,
    action text not null,
    outcome text not null,
    detail text not null default '',
    primary key (tenant_id, id)
);
create index audit_events_by_time on audit_events (tenant_id, at);
