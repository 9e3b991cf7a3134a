-- A user's groups are read with every user (GET /Users/{id}, each page of users). The index by
-- user now carries the group id too, so those reads never touch the membership rows; without
-- it SQLite's planner preferred the primary key and read all of the tenant's memberships.
drop index scim_memberships_by_user;
create index scim_memberships_by_user on scim_memberships (tenant_id, user_id, group_id);
