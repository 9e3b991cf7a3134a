//! The tenant-scoped handle: the only way to reach a tenant's data. It is handed out for an
//! authenticated tenant (or to an operator acting on a named tenant), and every store query
//! made through it carries its tenant id.

use crate::{db::Db, domain::TenantSlug};

#[derive(Clone, Debug)]
pub struct TenantScope {
    db: Db,
    tenant_id: String,
    slug: TenantSlug,
}

impl TenantScope {
    pub(crate) fn new(db: Db, tenant_id: String, slug: TenantSlug) -> Self {
        Self {
            db,
            tenant_id,
            slug,
        }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    pub fn slug(&self) -> &TenantSlug {
        &self.slug
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
