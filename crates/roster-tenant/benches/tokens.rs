//! Token verification: the cached path every steady SCIM request takes, the cold path (one
//! argon2id), the re-check after the cache entry expires (a database read, no argon2), and
//! proof that 10,000 verifications of one token run argon2 once.

use std::{sync::Arc, time::Duration};

use criterion::{criterion_group, criterion_main, Criterion};
use roster_tenant::{testing::TestDatabase, Actor, NewTenant, SystemClock, Tenancy, TenancyConfig};
use secrecy::ExposeSecret;

fn tenancy(db: roster_tenant::Db, cache_ttl: Duration) -> Tenancy {
    let config = TenancyConfig {
        token_cache_ttl: cache_ttl,
        ..TenancyConfig::default()
    };
    Tenancy::new(db, config, Arc::new(SystemClock))
}

fn token_verification(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let database = rt.block_on(TestDatabase::sqlite());
    let db = rt.block_on(database.connect());
    let cached = tenancy(db.clone(), Duration::from_secs(60));
    let header = rt.block_on(async {
        let new = NewTenant {
            display_name: "Acme".into(),
            slug: Some("acme".into()),
            admin_name: None,
            admin_email: "it@acme.example".into(),
            allowed_domains: vec![],
        };
        cached.create_tenant(new, &Actor::Cli).await.unwrap();
        let minted = cached.mint_token("acme", &Actor::Cli).await.unwrap();
        format!("Bearer {}", minted.token.expose_secret())
    });

    let mut group = c.benchmark_group("token");
    rt.block_on(cached.authenticate("acme", Some(&header)))
        .unwrap();
    group.bench_function("verify cached", |b| {
        b.iter(|| {
            rt.block_on(cached.authenticate("acme", Some(&header)))
                .unwrap()
        })
    });

    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    // A process that has never seen the token: one argon2id run.
    group.bench_function("verify cold (argon2id)", |b| {
        b.iter_batched(
            || tenancy(db.clone(), Duration::from_secs(60)),
            |fresh| {
                rt.block_on(fresh.authenticate("acme", Some(&header)))
                    .unwrap()
            },
            criterion::BatchSize::PerIteration,
        )
    });
    // After the cache entry expires: the token's row is read again, argon2 is not re-run.
    let expiring = tenancy(db.clone(), Duration::ZERO);
    rt.block_on(expiring.authenticate("acme", Some(&header)))
        .unwrap();
    group.sample_size(100);
    group.bench_function("re-check after cache expiry (database read)", |b| {
        b.iter(|| {
            rt.block_on(expiring.authenticate("acme", Some(&header)))
                .unwrap()
        })
    });
    group.finish();

    let fresh = tenancy(db, Duration::from_secs(60));
    for _ in 0..10_000 {
        rt.block_on(fresh.authenticate("acme", Some(&header)))
            .unwrap();
    }
    let runs = fresh.argon2_verifications();
    println!("token/10,000 verifications of one token ran argon2 {runs} time(s)");
    assert_eq!(runs, 1, "the cache must spare argon2");
}

criterion_group!(benches, token_verification);
criterion_main!(benches);
