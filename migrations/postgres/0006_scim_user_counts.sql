-- How many users each tenant has, kept in step with every insert and delete so that lists
-- answer totalResults without counting. Spread over a few rows per tenant so that concurrent
-- inserts on PostgreSQL do not all queue on one row; the count is their sum.
create table scim_user_counts (
    tenant_id text not null references tenants (id) on delete cascade,
    shard bigint not null,
    n bigint not null,
    primary key (tenant_id, shard)
);
insert into scim_user_counts (tenant_id, shard, n)
    select tenant_id, 0, count(*) from scim_users group by tenant_id;
