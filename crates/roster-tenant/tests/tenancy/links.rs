use chrono::Duration;
use roster_tenant::{test_on_both_engines, Actor, Error, LinkState};
use secrecy::ExposeSecret;

use crate::helpers::{bearer, fixture};

fn secret_of(url: &secrecy::SecretString) -> String {
    url.expose_secret().rsplit('/').next().unwrap().to_owned()
}

test_on_both_engines! {
    async fn an_issued_link_opens_to_its_tenant_and_records_the_openings(database) {
        let f = fixture(&database).await;
        let tenant = f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        assert!(link.url.expose_secret().starts_with("https://roster.example/setup/"));
        assert_eq!(link.info.expires_at - link.info.created_at, Duration::days(7));
        let opened = f.tenancy.open_link(&secret_of(&link.url)).await.unwrap();
        assert_eq!(opened.tenant.id, tenant.id);
        let first = opened.link.first_opened_at.unwrap();
        f.clock.advance(Duration::hours(1));
        let again = f.tenancy.open_link(&secret_of(&link.url)).await.unwrap();
        assert_eq!(again.link.first_opened_at, Some(first));
        assert_eq!(again.link.last_opened_at, Some(first + Duration::hours(1)));
        let current = f.tenancy.current_link("acme").await.unwrap().unwrap();
        assert_eq!(current.state, LinkState::Opened);
    }

    async fn a_link_expires_after_its_lifetime(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, Some(Duration::hours(48))).await.unwrap();
        f.clock.advance(Duration::hours(47));
        assert!(f.tenancy.open_link(&secret_of(&link.url)).await.is_ok());
        f.clock.advance(Duration::hours(1));
        assert!(matches!(f.tenancy.open_link(&secret_of(&link.url)).await, Err(Error::LinkUnusable)));
        assert!(matches!(f.tenancy.mint_token_with_link(&secret_of(&link.url)).await, Err(Error::LinkUnusable)));
        assert_eq!(f.tenancy.current_link("acme").await.unwrap().unwrap().state, LinkState::Expired);
    }

    async fn issuing_a_new_link_revokes_the_old_one(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let old = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        let new = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        assert_ne!(old.url.expose_secret(), new.url.expose_secret());
        assert!(matches!(f.tenancy.open_link(&secret_of(&old.url)).await, Err(Error::LinkUnusable)));
        assert!(f.tenancy.open_link(&secret_of(&new.url)).await.is_ok());
    }

    async fn a_revoked_link_cannot_be_used(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        f.tenancy.revoke_link("acme", &Actor::Cli).await.unwrap();
        assert!(matches!(f.tenancy.open_link(&secret_of(&link.url)).await, Err(Error::LinkUnusable)));
        assert!(matches!(f.tenancy.revoke_link("acme", &Actor::Cli).await, Err(Error::NotFound(_))));
        assert_eq!(f.tenancy.current_link("acme").await.unwrap().unwrap().state, LinkState::Revoked);
    }

    async fn unknown_malformed_and_tampered_links_are_the_same_error(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        let good = secret_of(&link.url);
        let (id, secret) = good.split_once('.').unwrap();
        let tampered = format!("{id}.{}{}", &secret[..secret.len() - 1], if secret.ends_with('A') { 'B' } else { 'A' });
        let unknown = format!("{}.{secret}", "f".repeat(16));
        for bad in ["", "x", "nonsense.link", &tampered, &unknown, &format!("{good}x")] {
            assert!(matches!(f.tenancy.open_link(bad).await, Err(Error::LinkUnusable)), "{bad}");
        }
    }

    async fn redeeming_a_link_mints_a_working_token_for_the_admin(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        let minted = f.tenancy.mint_token_with_link(&secret_of(&link.url)).await.unwrap();
        assert_eq!(minted.info.created_by, "setup link");
        assert!(f.tenancy.authenticate("acme", Some(&bearer(minted.token.expose_secret()))).await.is_ok());
    }

    async fn a_suspended_tenants_link_cannot_be_used(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        f.tenancy.suspend_tenant("acme", &Actor::Cli).await.unwrap();
        assert!(matches!(f.tenancy.open_link(&secret_of(&link.url)).await, Err(Error::LinkUnusable)));
    }

    async fn link_lifetimes_must_be_positive_and_at_most_ninety_days(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        for bad in [Duration::zero(), Duration::days(91)] {
            let result = f.tenancy.issue_link("acme", &Actor::Cli, Some(bad)).await;
            assert!(matches!(result, Err(Error::Invalid(_))));
        }
    }
}
