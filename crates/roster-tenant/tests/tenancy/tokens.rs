use roster_tenant::{test_on_both_engines, Actor, Error};
use secrecy::ExposeSecret;

use std::time::Duration;

use crate::helpers::{bearer, fixture, fixture_with_token_cache_ttl};

test_on_both_engines! {
    async fn a_minted_token_authenticates_its_tenant_and_is_stored_only_as_an_argon2id_hash(database) {
        let f = fixture(&database).await;
        let tenant = f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let token = minted.token.expose_secret();
        assert!(token.starts_with("roster_"), "{token}");
        assert!(token.len() >= "roster_".len() + 16 + 43, "256 bits of secret");
        let scope = f.tenancy.authenticate("acme", Some(&bearer(token))).await.unwrap();
        assert_eq!(scope.tenant_id(), tenant.id);
        let stored: Vec<String> = roster_tenant::with_pool!(f.tenancy.db(), pool => {
            sqlx::query_scalar("select secret_hash from tokens").fetch_all(pool).await.unwrap()
        });
        assert_eq!(stored.len(), 1);
        assert!(stored[0].starts_with("$argon2id$"));
        assert!(!stored[0].contains(&token[token.len() - 43..]));
    }

    async fn wrong_malformed_and_missing_tokens_are_all_refused_alike(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let token = minted.token.expose_secret().to_owned();
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push(if token.ends_with('A') { 'B' } else { 'A' });
        let cases = [
            None,
            Some("".to_owned()),
            Some("Basic dXNlcjpwYXNz".to_owned()),
            Some("Bearer".to_owned()),
            Some("Bearer not-a-token".to_owned()),
            Some(bearer(&wrong)),
            Some(bearer(&token[..token.len() - 1])),
        ];
        for case in cases {
            let result = f.tenancy.authenticate("acme", case.as_deref()).await;
            assert!(matches!(result, Err(Error::Unauthorized)), "{case:?} was accepted");
        }
        // The scheme is case-insensitive.
        assert!(f.tenancy.authenticate("acme", Some(&format!("bearer {token}"))).await.is_ok());
    }

    async fn a_token_of_one_tenant_is_refused_for_another(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        f.tenant("globex").await;
        let acme = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = bearer(acme.token.expose_secret());
        assert!(f.tenancy.authenticate("acme", Some(&header)).await.is_ok());
        assert!(matches!(f.tenancy.authenticate("globex", Some(&header)).await, Err(Error::Unauthorized)));
        assert!(matches!(f.tenancy.authenticate("initech", Some(&header)).await, Err(Error::Unauthorized)));
    }

    async fn two_tokens_may_be_live_for_rotation_and_a_third_is_refused(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let old = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let new = f.tenancy.mint_token("acme", &Actor::SetupLink).await.unwrap();
        let third = f.tenancy.mint_token("acme", &Actor::Cli).await;
        assert!(matches!(third, Err(Error::Conflict(ref m)) if m.contains("revoke")), "{third:?}");
        for token in [&old, &new] {
            assert!(f.tenancy.authenticate("acme", Some(&bearer(token.token.expose_secret()))).await.is_ok());
        }
        // Rotation: revoke the old one, the new one keeps working, a new slot opens.
        f.tenancy.revoke_token("acme", &old.info.prefix(), &Actor::Cli).await.unwrap();
        let old_result = f.tenancy.authenticate("acme", Some(&bearer(old.token.expose_secret()))).await;
        assert!(matches!(old_result, Err(Error::Unauthorized)));
        assert!(f.tenancy.authenticate("acme", Some(&bearer(new.token.expose_secret()))).await.is_ok());
        assert!(f.tenancy.mint_token("acme", &Actor::Cli).await.is_ok());
        let tokens = f.tenancy.list_tokens("acme").await.unwrap();
        assert_eq!(tokens.iter().filter(|t| t.is_live()).count(), 2);
        assert_eq!(tokens.iter().filter(|t| !t.is_live()).count(), 1);
    }

    async fn revoking_takes_effect_at_once_even_for_a_cached_token(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = bearer(minted.token.expose_secret());
        for _ in 0..3 {
            f.tenancy.authenticate("acme", Some(&header)).await.unwrap();
        }
        f.tenancy.revoke_token("acme", &minted.info.id, &Actor::Cli).await.unwrap();
        assert!(matches!(f.tenancy.authenticate("acme", Some(&header)).await, Err(Error::Unauthorized)));
        let again = f.tenancy.revoke_token("acme", &minted.info.id, &Actor::Cli).await;
        assert!(matches!(again, Err(Error::NotFound(_))));
    }

    async fn steady_traffic_runs_argon2_once_per_token(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = bearer(minted.token.expose_secret());
        let before = f.tenancy.argon2_verifications();
        for _ in 0..1_000 {
            f.tenancy.authenticate("acme", Some(&header)).await.unwrap();
        }
        assert_eq!(f.tenancy.argon2_verifications() - before, 1);
    }

    async fn a_burst_of_requests_with_a_new_token_runs_argon2_once(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = bearer(minted.token.expose_secret());
        let before = f.tenancy.argon2_verifications();
        let checks = (0..32).map(|_| f.tenancy.authenticate("acme", Some(&header)));
        for result in futures_util::future::join_all(checks).await {
            result.unwrap();
        }
        assert_eq!(f.tenancy.argon2_verifications() - before, 1);
    }

    async fn an_expired_cache_entry_is_rechecked_against_the_database_without_argon2(database) {
        let f = fixture_with_token_cache_ttl(&database, Duration::from_millis(200)).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = bearer(minted.token.expose_secret());
        f.tenancy.authenticate("acme", Some(&header)).await.unwrap();
        let after_first = f.tenancy.argon2_verifications();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let checks = (0..32).map(|_| f.tenancy.authenticate("acme", Some(&header)));
        for result in futures_util::future::join_all(checks).await {
            result.unwrap();
        }
        assert_eq!(f.tenancy.argon2_verifications(), after_first, "expiry must not re-run argon2");

        // The re-check still sees what another process did to the database: revoke the token
        // behind this process's back (no cache invalidation), and after expiry it is refused.
        roster_tenant::with_pool!(f.tenancy.db(), pool => {
            sqlx::query("update tokens set revoked_at = created_at").execute(pool).await.unwrap();
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(matches!(f.tenancy.authenticate("acme", Some(&header)).await, Err(Error::Unauthorized)));
    }

    async fn a_wrong_token_is_refused_every_time_even_in_a_burst(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let token = minted.token.expose_secret();
        let wrong = format!("{}{}", &token[..token.len() - 1], if token.ends_with('A') { 'B' } else { 'A' });
        let header = bearer(&wrong);
        for _ in 0..2 {
            let checks = (0..8).map(|_| f.tenancy.authenticate("acme", Some(&header)));
            for result in futures_util::future::join_all(checks).await {
                assert!(matches!(result, Err(Error::Unauthorized)));
            }
        }
        f.tenancy.authenticate("acme", Some(&bearer(token))).await.unwrap();
    }

    async fn unknown_tenants_and_token_ids_still_cost_one_argon2_check(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let token = minted.token.expose_secret();
        let unknown_id = format!("roster_{}{}", "0".repeat(16), &token[token.len() - 43..]);
        let before = f.tenancy.argon2_verifications();
        let _ = f.tenancy.authenticate("nobody", Some(&bearer(token))).await;
        let _ = f.tenancy.authenticate("acme", Some(&bearer(&unknown_id))).await;
        assert_eq!(f.tenancy.argon2_verifications() - before, 2, "timing must not tell what exists");
    }

    async fn last_use_is_recorded(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        f.tenancy.authenticate("acme", Some(&bearer(minted.token.expose_secret()))).await.unwrap();
        let mut recorded = None;
        for _ in 0..100 {
            recorded = f.tenancy.list_tokens("acme").await.unwrap()[0].last_used_at;
            if recorded.is_some() { break; }
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(recorded, Some(roster_tenant::Clock::now(&*f.clock)));
    }
}
