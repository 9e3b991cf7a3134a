-- SCIM users of each tenant, their email index, and the per-tenant request log.
create table scim_users (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    user_name text not null,
    user_name_lower text not null,
    external_id text,
    active boolean not null,
    doc jsonb not null,
    version bigint not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (tenant_id, id)
);
create unique index scim_users_by_user_name on scim_users (tenant_id, user_name_lower);
create index scim_users_by_external_id on scim_users (tenant_id, external_id);
create index scim_users_in_order on scim_users (tenant_id, created_at, id);

create table scim_user_emails (
    tenant_id text not null,
    email_lower text not null,
    user_id text not null,
    primary key (tenant_id, email_lower, user_id),
    foreign key (tenant_id, user_id) references scim_users (tenant_id, id) on delete cascade
);
create index scim_user_emails_by_user on scim_user_emails (tenant_id, user_id);

create table scim_requests (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    at timestamptz not null,
    method text not null,
    path text not null,
    status bigint not null,
    error_class text,
    event text,
    detail text,
    duration_ms double precision not null,
    primary key (tenant_id, id)
);
create index scim_requests_by_time on scim_requests (tenant_id, at);
create index scim_requests_for_retention on scim_requests (at);

alter table tenants add column last_error text;
alter table tenants add column last_error_at timestamptz;
