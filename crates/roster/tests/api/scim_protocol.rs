//! What every SCIM endpoint shares: authentication, discovery, rate limits, and the request log
//! that drives the tenant's status.

use chrono::Duration;
use roster_tenant::{test_on_both_engines, with_pool, Actor, TenantState};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, test_settings};

test_on_both_engines! {
    async fn missing_malformed_revoked_suspended_and_foreign_tokens_all_get_the_same_401(database) {
        let app = spawn_app(&database).await;
        let acme = app.scim_tenant("acme").await;
        let globex = app.scim_tenant("globex").await;
        let mut bodies = Vec::new();
        let check = |reply: crate::scim_support::Reply| {
            reply.assert_error(401, None);
            reply.body
        };
        let anonymous = app.client.get(format!("{}/Users", acme.base)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        bodies.push(anonymous.json::<serde_json::Value>().await.unwrap());
        bodies.push(check(acme.with_token("roster_garbage").get("/Users").await));
        bodies.push(check(acme.with_token(&globex.token).get("/Users").await));
        let revoked = app.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let revoked_token = secrecy::ExposeSecret::expose_secret(&revoked.token).to_owned();
        assert_eq!(acme.with_token(&revoked_token).get("/Users").await.status, 200);
        app.tenancy.revoke_token("acme", &revoked.info.id, &Actor::Cli).await.unwrap();
        bodies.push(check(acme.with_token(&revoked_token).get("/Users").await));
        app.tenancy.suspend_tenant("acme", &Actor::Cli).await.unwrap();
        bodies.push(check(acme.get("/Users").await));
        let other_slug = acme.base.replace("/acme", "/initech");
        let unknown = app.client.get(format!("{other_slug}/Users")).bearer_auth(&acme.token).send().await.unwrap();
        assert_eq!(unknown.status(), 401);
        bodies.push(unknown.json().await.unwrap());
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the bodies must not tell why: {bodies:?}");
        app.tenancy.resume_tenant("acme", &Actor::Cli).await.unwrap();
        assert_eq!(acme.get("/Users").await.status, 200);
    }

    async fn discovery_documents_are_read_only_and_need_the_tenants_token(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let config = scim.get("/ServiceProviderConfig").await;
        assert_eq!(config.status, 200);
        assert_eq!(config.body["patch"]["supported"], true);
        assert_eq!(config.body["bulk"]["supported"], false);
        assert_eq!(config.body["changePassword"]["supported"], false);
        assert_eq!(config.body["filter"]["supported"], true);
        assert!(config.body["filter"]["maxResults"].as_u64().unwrap() >= 100);
        assert_eq!(config.body["etag"]["supported"], true);
        assert_eq!(config.body["sort"]["supported"], true);
        let types = scim.get("/ResourceTypes").await;
        assert_eq!(types.status, 200);
        let user_type = scim.get("/ResourceTypes/User").await;
        assert_eq!(user_type.body["endpoint"], "/Users");
        let schemas = scim.get("/Schemas").await;
        assert_eq!(schemas.status, 200);
        let roster = scim.get("/Schemas/urn:ietf:params:scim:schemas:extension:roster:2.0:User").await;
        assert_eq!(roster.status, 200, "{}", roster.body);
        assert!(roster.body.to_string().contains("managementLevel"));
        scim.get("/Schemas/urn:nope").await.assert_error(404, None);
        scim.post("/ServiceProviderConfig", &json!({})).await.assert_error(405, None);
        scim.delete("/Schemas").await.assert_error(405, None);
        scim.with_token("nope").get("/ServiceProviderConfig").await.assert_error(401, None);
        scim.get("/Nothing").await.assert_error(404, None);
    }

    async fn a_tenant_over_its_rate_limit_gets_429_with_retry_after(database) {
        let mut settings = test_settings(&database);
        settings.scim_rate_limit = 1;
        settings.scim_rate_burst = 3;
        let app = spawn_app_with(settings).await;
        let acme = app.scim_tenant("acme").await;
        let globex = app.scim_tenant("globex").await;
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(acme.get("/Users").await);
        }
        assert!(statuses[..3].iter().all(|r| r.status == 200));
        let limited = statuses.last().unwrap();
        limited.assert_error(429, None);
        let retry: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry >= 1);
        assert_eq!(globex.get("/Users").await.status, 200, "each tenant has its own budget");
    }

    async fn the_request_log_records_each_request_without_secrets_and_moves_the_tenant_on(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.with_token("roster_wrong").get("/Users").await;
        app.scim.flush_request_log().await;
        assert_eq!(app.tenancy.tenant("acme").await.unwrap().state, TenantState::Onboarding, "a refused token connects nothing");

        scim.get("/Users?startIndex=1&count=2").await;
        app.scim.flush_request_log().await;
        let tenant = app.tenancy.tenant("acme").await.unwrap();
        assert_eq!(tenant.state, TenantState::Connected);
        assert!(tenant.first_request_at.is_some());

        let id = scim.create_user("jane.doe@acme.example").await;
        scim.patch(&format!("/Users/{id}"), &crate::scim_support::deactivate()).await;
        scim.patch(&format!("/Users/{id}"), &crate::scim_support::reactivate()).await;
        scim.get("/Users?filter=userName%20eq").await;
        app.scim.flush_request_log().await;
        assert_eq!(app.tenancy.tenant("acme").await.unwrap().state, TenantState::Live);

        let scope = app.tenancy.scope_for_operator("acme").await.unwrap();
        let status = app.scim.status(&scope).await.unwrap();
        assert_eq!(status.users_active, 1);
        let done: Vec<&str> = status.checklist.iter().filter(|s| s.done_at.is_some()).map(|s| s.key).collect();
        assert_eq!(done, ["credentials tested", "user created", "user deactivated", "user reactivated"]);
        assert!(status.last_error.as_deref().unwrap().contains("invalid filter"), "{:?}", status.last_error);

        let rows: Vec<(String, String, i64, Option<String>)> = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_as("select method, path, status, error_class from scim_requests order by id")
                .fetch_all(pool).await.unwrap()
        });
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0], ("GET".into(), "/scim/v2/acme/Users".into(), 401, Some("bad token".into())));
        assert_eq!(rows[5].3.as_deref(), Some("invalid filter"));
        let everything: Vec<String> = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select method || path || coalesce(detail, '') || coalesce(error_class, '') from scim_requests")
                .fetch_all(pool).await.unwrap()
        });
        assert!(everything.iter().all(|r| !r.contains(&scim.token[10..])), "no token in the request log");
    }

    async fn request_log_entries_past_retention_are_deleted(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.get("/Users").await;
        app.scim.flush_request_log().await;
        app.clock.advance(Duration::days(29));
        scim.get("/Users").await;
        app.scim.flush_request_log().await;
        app.clock.advance(Duration::days(2));
        app.scim.apply_request_log_retention().await;
        let left: i64 = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select count(*) from scim_requests").fetch_one(pool).await.unwrap()
        });
        assert_eq!(left, 1, "only the entry younger than 30 days stays");
    }
}
