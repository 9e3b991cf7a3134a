-- On SQLite this migration stores memberships WITHOUT ROWID (clustered by their key).
-- PostgreSQL's index-then-heap reads need no change; the number is kept in step.
select 1;
