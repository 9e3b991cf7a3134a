use roster_tenant::{test_on_both_engines, Actor, Error, NewTenant, TenantState};

use crate::helpers::{fixture, new_tenant};

test_on_both_engines! {
    async fn a_new_tenant_is_onboarding_with_its_scim_base_url(database) {
        let f = fixture(&database).await;
        let tenant = f.tenant("acme").await;
        assert_eq!(tenant.state, TenantState::Onboarding);
        assert_eq!(tenant.scim_base_url, "https://roster.example/scim/v2/acme");
        assert_eq!(tenant.admin_email, "it@acme.example");
        assert_eq!(tenant.allowed_domains, vec!["acme.example".to_string()]);
        assert_eq!(f.tenancy.tenant("acme").await.unwrap().id, tenant.id);
    }

    async fn the_slug_is_suggested_from_the_name_when_not_given(database) {
        let f = fixture(&database).await;
        let new = NewTenant { slug: None, ..new_tenant("Acme Corp.", "ignored") };
        let tenant = f.tenancy.create_tenant(new, &Actor::Cli).await.unwrap();
        assert_eq!(tenant.slug, "acme-corp");
    }

    async fn a_duplicate_slug_is_a_conflict(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let err = f.tenancy.create_tenant(new_tenant("Other", "acme"), &Actor::Cli).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(ref m) if m.contains("acme")), "{err}");
        assert_eq!(f.tenancy.list_tenants().await.unwrap().len(), 1);
    }

    async fn invalid_slugs_and_emails_are_refused_with_a_clear_message(database) {
        let f = fixture(&database).await;
        let err = f.tenancy.create_tenant(new_tenant("Acme", "acme_corp"), &Actor::Cli).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("acme_corp")), "{err}");
        let bad_email = NewTenant { admin_email: "it-at-acme".into(), ..new_tenant("Acme", "acme") };
        let err = f.tenancy.create_tenant(bad_email, &Actor::Cli).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("email")), "{err}");
        assert!(f.tenancy.list_tenants().await.unwrap().is_empty());
    }

    async fn an_unknown_tenant_is_not_found(database) {
        let f = fixture(&database).await;
        assert!(matches!(f.tenancy.tenant("nobody").await, Err(Error::NotFound(_))));
        assert!(matches!(f.tenancy.mint_token("nobody", &Actor::Cli).await, Err(Error::NotFound(_))));
    }

    async fn suspending_refuses_the_tokens_and_resuming_accepts_them_again(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let header = crate::helpers::bearer(secrecy::ExposeSecret::expose_secret(&minted.token));
        assert!(f.tenancy.authenticate("acme", Some(&header)).await.is_ok());
        let suspended = f.tenancy.suspend_tenant("acme", &Actor::Cli).await.unwrap();
        assert_eq!(suspended.state, TenantState::Suspended);
        assert!(matches!(f.tenancy.authenticate("acme", Some(&header)).await, Err(Error::Unauthorized)));
        assert_eq!(f.tenancy.list_tokens("acme").await.unwrap().len(), 1, "tokens are kept");
        let resumed = f.tenancy.resume_tenant("acme", &Actor::Cli).await.unwrap();
        assert_eq!(resumed.state, TenantState::Onboarding);
        assert!(f.tenancy.authenticate("acme", Some(&header)).await.is_ok());
    }

    async fn deleting_a_tenant_removes_its_tokens_and_links_but_keeps_the_audit_trail(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        f.tenancy.delete_tenant("acme", &Actor::Cli).await.unwrap();
        assert!(matches!(f.tenancy.tenant("acme").await, Err(Error::NotFound(_))));
        let header = crate::helpers::bearer(secrecy::ExposeSecret::expose_secret(&minted.token));
        assert!(matches!(f.tenancy.authenticate("acme", Some(&header)).await, Err(Error::Unauthorized)));
        let link_secret = secrecy::ExposeSecret::expose_secret(&link.url).rsplit('/').next().unwrap().to_owned();
        assert!(matches!(f.tenancy.open_link(&link_secret).await, Err(Error::LinkUnusable)));
        // A tenant with the same slug starts afresh, with none of the old tokens.
        f.tenant("acme").await;
        assert!(f.tenancy.list_tokens("acme").await.unwrap().is_empty());
    }

    async fn the_audit_trail_names_actor_action_and_outcome_and_never_a_secret(database) {
        let f = fixture(&database).await;
        f.tenant("acme").await;
        let minted = f.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let link = f.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        let link_secret = secrecy::ExposeSecret::expose_secret(&link.url).rsplit('/').next().unwrap().to_owned();
        f.tenancy.open_link(&link_secret).await.unwrap();
        f.tenancy.suspend_tenant("acme", &Actor::Cli).await.unwrap();
        let trail = f.tenancy.audit_trail("acme").await.unwrap();
        let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["tenant created", "token minted", "link issued", "link opened", "tenant suspended"]);
        assert!(trail.iter().any(|e| e.actor == "setup link"));
        assert!(trail.iter().all(|e| e.outcome == "ok"));
        let everything = serde_json::to_string(&trail).unwrap();
        let token = secrecy::ExposeSecret::expose_secret(&minted.token);
        let token_secret = &token[token.len() - 43..];
        assert!(!everything.contains(token_secret), "the token secret is in the audit trail");
        let link_only_secret = link_secret.split('.').nth(1).unwrap();
        assert!(!everything.contains(link_only_secret), "the link secret is in the audit trail");
    }
}
