//! The SCIM 2.0 protocol (RFC 7643/7644) as Roster speaks it: error bodies, schemas, discovery
//! documents, attribute paths, filters, PATCH, projection, list paging and resource
//! preparation. No transport, storage or I/O lives here, so all of it can be tested and fuzzed
//! alone; nothing in it may panic on any input.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![forbid(unsafe_code)]

pub mod discovery;
pub mod error;
pub mod filter;
mod json;
pub mod list;
pub mod patch;
pub mod path;
pub mod profile;
pub mod projection;
pub mod schema;
pub mod user;

pub use error::{ScimError, ScimType};

/// PATCH request message schema.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// List response message schema.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Search request message schema (`POST .search`).
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// Error message schema.
pub const ERROR_URN: &str = error::ERROR_URN;
/// Bulk messages (not supported by Roster; named so callers can recognise them).
pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// Discovery schemas (RFC 7643 §8.7).
pub const SERVICE_PROVIDER_CONFIG_URN: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
