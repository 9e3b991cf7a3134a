//! Every rule of tenants, tokens, setup links and the audit trail, on SQLite and PostgreSQL.

mod helpers;
mod isolation;
mod links;
mod tenants;
mod tokens;
