-- PostgreSQL plans a group's member lookup from sampled statistics. One very large group (an
-- "Everyone" group of 50,000) dominates the sample, and the planner then expects every group to
-- be that large and reads the whole table for each group of a page. Memberships are always read
-- by key, so state the shape instead: many groups (a group holds about 20 rows on average) and
-- many users (about 2 groups each). Autovacuum's next ANALYZE applies it (an ANALYZE here, on a
-- table still empty, left plans believing it empty).
alter table scim_memberships alter column group_id set (n_distinct = -0.05);
alter table scim_memberships alter column user_id set (n_distinct = -0.5);
