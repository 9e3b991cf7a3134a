-- Staff accounts of the console, and failed sign-ins counted per account and per client
-- address (in the database, so the back-off holds across processes).
create table staff_accounts (
    email text primary key,
    password_hash text not null,
    created_by text not null,
    created_at timestamptz not null,
    disabled_at timestamptz,
    last_login_at timestamptz
);

create table staff_login_failures (
    key text primary key,
    failures integer not null,
    last_failure_at timestamptz not null
);
