-- SCIM groups of each tenant and their memberships, one row per member.
create table scim_groups (
    tenant_id text not null references tenants (id) on delete cascade,
    id text not null,
    display_name text not null,
    display_name_lower text not null,
    external_id text,
    doc text not null,
    version bigint not null,
    created_at text not null,
    updated_at text not null,
    primary key (tenant_id, id)
);
create unique index scim_groups_by_display_name on scim_groups (tenant_id, display_name_lower);
create index scim_groups_by_external_id on scim_groups (tenant_id, external_id);
create index scim_groups_in_order on scim_groups (tenant_id, created_at, id);

create table scim_memberships (
    tenant_id text not null,
    group_id text not null,
    user_id text not null,
    primary key (tenant_id, group_id, user_id),
    foreign key (tenant_id, group_id) references scim_groups (tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references scim_users (tenant_id, id) on delete cascade
);
create index scim_memberships_by_user on scim_memberships (tenant_id, user_id);
