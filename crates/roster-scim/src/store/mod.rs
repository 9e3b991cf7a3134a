//! Each tenant's directory in the database. Every function takes the tenant-scoped handle and
//! carries its tenant id into every statement.

pub(crate) mod groups;
pub(crate) mod users;
