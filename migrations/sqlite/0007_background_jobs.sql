-- Periodic jobs that must run once per period however many `roster` processes share the
-- database: a process runs a job only after moving its next_run_at forward in one statement.
create table background_jobs (
    name text primary key,
    next_run_at text not null
);
