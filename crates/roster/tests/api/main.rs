//! The `roster` application over HTTP and its command line, on SQLite and PostgreSQL.

mod cli;
mod health;
mod helpers;
mod startup_errors;
