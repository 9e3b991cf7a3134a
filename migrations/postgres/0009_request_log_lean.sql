-- Every SCIM request adds a row here, so each index costs every request. The log is read by
-- tenant and time only (status pages, console, retention), so (tenant_id, at) is its one index;
-- the id stays, as the order of entries with the same time.
alter table scim_requests drop constraint scim_requests_pkey;
drop index scim_requests_for_retention;
