//! SCIM 2.0 for Roster tenants.
//!
//! `proto` is the protocol alone (resources, schemas, filters, PATCH, error bodies) with no
//! transport or storage in it, so it can be tested and fuzzed on its own.
#![forbid(unsafe_code)]

pub mod proto;
