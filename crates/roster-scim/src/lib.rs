//! SCIM 2.0 for Roster tenants.
//!
//! `proto` is the protocol alone (resources, schemas, filters, PATCH, error bodies) with no
//! transport or storage in it, so it can be tested and fuzzed on its own. The rest serves it:
//! `store` keeps each tenant's directory, `http` answers the identity providers, and
//! `request_log` remembers what they sent.
#![forbid(unsafe_code)]

mod console;
mod groups;
mod http;
mod paging;
pub mod proto;
mod request_log;
mod resource;
mod service;
mod status;
mod store;
mod users;

pub use console::{
    profile_field_path, DirectoryHealth, DirectoryOverview, FieldCoverage, Rejection,
    RequestLogPage, RequestLogQuery, StatusFilter,
};
pub use request_log::RequestLogEntry;
pub use service::{Scim, ScimConfig};
pub use status::{ChecklistStep, TenantStatus};
