//! Page anchors: where a page of a tenant's users (in creation order) begins, remembered from
//! pages already served, so that the next page — Okta's import walks `startIndex` 1, 101,
//! 201, … — starts from a known row instead of skipping every row before it.
//!
//! An anchor `offset → (created_at, id)` stays true while no user before it is deleted: new
//! users are created "now" and sort after every anchor, and updates keep their place. Deletions
//! bump the tenant's deletion count in the database (shared by every process), and anchors
//! recorded under another count are dropped.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

/// A row's place in creation order.
pub(crate) type Key = (DateTime<Utc>, String);

const MAX_TENANTS: u64 = 10_000;
const MAX_ANCHORS_PER_TENANT: usize = 10_000;

#[derive(Default)]
struct TenantAnchors {
    deletions: i64,
    points: BTreeMap<usize, Key>,
}

#[derive(Clone)]
pub(crate) struct Anchors {
    tenants: moka::sync::Cache<String, Arc<Mutex<TenantAnchors>>>,
}

impl Anchors {
    pub fn new() -> Self {
        Self {
            tenants: moka::sync::Cache::new(MAX_TENANTS),
        }
    }

    fn tenant(&self, tenant: &str, deletions: i64) -> Arc<Mutex<TenantAnchors>> {
        let entry = self.tenants.get_with(tenant.to_owned(), Default::default);
        {
            let mut anchors = entry.lock().unwrap_or_else(|e| e.into_inner());
            if anchors.deletions != deletions {
                anchors.deletions = deletions;
                anchors.points.clear();
            }
        }
        entry
    }

    /// The closest known row at or before `offset`.
    pub fn nearest(&self, tenant: &str, deletions: i64, offset: usize) -> Option<(usize, Key)> {
        let entry = self.tenant(tenant, deletions);
        let anchors = entry.lock().unwrap_or_else(|e| e.into_inner());
        anchors
            .points
            .range(..=offset)
            .next_back()
            .map(|(at, key)| (*at, key.clone()))
    }

    pub fn record(&self, tenant: &str, deletions: i64, offset: usize, key: Key) {
        let entry = self.tenant(tenant, deletions);
        let mut anchors = entry.lock().unwrap_or_else(|e| e.into_inner());
        if anchors.points.len() < MAX_ANCHORS_PER_TENANT || anchors.points.contains_key(&offset) {
            anchors.points.insert(offset, key);
        }
    }
}
