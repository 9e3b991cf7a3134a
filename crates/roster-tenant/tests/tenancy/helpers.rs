use std::{sync::Arc, time::Duration};

use chrono::{TimeZone, Utc};
use roster_tenant::{
    testing::TestDatabase, Actor, ManualClock, NewTenant, Tenancy, TenancyConfig, Tenant,
};

pub struct Fixture {
    pub tenancy: Tenancy,
    pub clock: Arc<ManualClock>,
}

pub async fn fixture(database: &TestDatabase) -> Fixture {
    fixture_with_token_cache_ttl(database, Duration::from_secs(60)).await
}

pub async fn fixture_with_token_cache_ttl(database: &TestDatabase, ttl: Duration) -> Fixture {
    let db = database.connect().await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    let config = TenancyConfig {
        public_url: "https://roster.example".into(),
        token_cache_ttl: ttl,
        ..TenancyConfig::default()
    };
    Fixture {
        tenancy: Tenancy::new(db, config, clock.clone()),
        clock,
    }
}

pub fn new_tenant(name: &str, slug: &str) -> NewTenant {
    NewTenant {
        display_name: name.into(),
        slug: Some(slug.into()),
        admin_name: Some("Ines Admin".into()),
        admin_email: format!("it@{slug}.example"),
        allowed_domains: vec![format!("{slug}.example")],
    }
}

impl Fixture {
    pub async fn tenant(&self, slug: &str) -> Tenant {
        self.tenancy
            .create_tenant(new_tenant(&format!("{slug} Corp"), slug), &Actor::Cli)
            .await
            .expect("tenant created")
    }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
