-- On PostgreSQL this migration fixes the planner's estimates for memberships (see the
-- postgres migration of the same number); SQLite's planner needs nothing. Kept in step.
select 1;
