-- Memberships are read by group (a page of groups, its members in key order) far more often
-- than they are written: stored WITHOUT ROWID, the primary key is the table, so reading a
-- member's userName needs no second lookup.
create table scim_memberships_clustered (
    tenant_id text not null,
    group_id text not null,
    user_id text not null,
    user_name text not null default '',
    primary key (tenant_id, group_id, user_id),
    foreign key (tenant_id, group_id) references scim_groups (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references scim_users (tenant_id, id) on delete cascade
) without rowid;
insert into scim_memberships_clustered (tenant_id, group_id, user_id, user_name)
    select tenant_id, group_id, user_id, user_name from scim_memberships;
drop table scim_memberships;
alter table scim_memberships_clustered rename to scim_memberships;
create index scim_memberships_by_user on scim_memberships (tenant_id, user_id, group_id);
