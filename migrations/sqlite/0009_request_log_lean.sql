-- Every SCIM request adds a row here, so each index costs every request. The log is read by
-- tenant and time only (status pages, console, retention), so (tenant_id, at) is its one index;
-- the id stays, as the order of entries with the same time.
create table scim_requests_lean (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    at text not null,
    method text not null,
    path text not null,
    status integer not null,
    error_class text,
    event text,
    detail text,
    duration_ms double precision not null
);
insert into scim_requests_lean (tenant_id, id, at, method, path, status, error_class, event,
                                detail, duration_ms)
    select tenant_id, id, at, method, path, status, error_class, event, detail, duration_ms
    from scim_requests;
drop table scim_requests;
alter table scim_requests_lean rename to scim_requests;
create index scim_requests_by_time on scim_requests (tenant_id, at);
