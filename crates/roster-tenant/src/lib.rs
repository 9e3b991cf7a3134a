//! Roster's tenants and everything that guards them: the database handle, bearer tokens, setup
//! links and the audit trail. Knows no HTTP.
#![forbid(unsafe_code)]

mod audit;
mod clock;
mod db;
mod domain;
mod error;
mod links;
mod scope;
mod secret;
mod staff;
mod tenancy;
mod tenants;
#[cfg(feature = "test-support")]
pub mod testing;
mod tokens;

pub use audit::{Actor, AuditEvent};
pub use clock::{Clock, ManualClock, SystemClock};
pub use db::{
    is_unique_violation, mask_password, DatabaseUrl, Db, DbError, DbOptions, Engine, PoolRef,
    Readiness,
};
pub use domain::{Email, TenantSlug};
pub use error::Error;
pub use links::{IssuedLink, LinkInfo, LinkState, OpenedLink};
pub use scope::TenantScope;
pub use staff::{SignIn, StaffAccount, MIN_PASSWORD_LEN};
pub use tenancy::{Tenancy, TenancyConfig};
pub use tenants::{NewTenant, Tenant, TenantState};
pub use tokens::{MintedToken, TokenInfo};
