//! The `roster` application over HTTP and its command line, on SQLite and PostgreSQL.

mod browser;
mod cli;
mod email;
mod entra;
mod health;
mod helpers;
mod okta;
mod scale_out;
mod scim_groups;
mod scim_isolation;
mod scim_protocol;
mod scim_support;
mod scim_users;
mod setup_page;
mod staff_browser;
mod staff_console;
mod startup_errors;
