-- Each membership carries its user's userName, shown as the member's `display`: a page of
-- groups then reads only membership rows (kept current when a user's userName changes).
alter table scim_memberships add column user_name text not null default '';
update scim_memberships set user_name = (
    select u.user_name from scim_users u
    where u.tenant_id = scim_memberships.tenant_id and u.id = scim_memberships.user_id
);
