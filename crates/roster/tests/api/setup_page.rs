//! The customer admin's setup page over HTTP: every state, the reveal-once rule, rotation,
//! CSRF, the one 404 page for unusable links, the headers and the rate limit.

use reqwest::Method;
use roster_tenant::{test_on_both_engines, Actor};

use crate::helpers::{okta_user, shown_token, spawn_app_with, web_settings, TestApp};

fn assert_page_headers(response: &reqwest::Response) {
    let h = response.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

async fn live_token_ids(app: &TestApp, slug: &str) -> Vec<String> {
    app.tenancy
        .list_tokens(slug)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.is_live())
        .map(|t| t.id)
        .collect()
}

async fn users_status(app: &TestApp, slug: &str, token: &str) -> u16 {
    app.scim(Method::GET, &format!("/scim/v2/{slug}/Users"), token, None)
        .await
        .status()
        .as_u16()
}

test_on_both_engines! {
    async fn a_fresh_link_walks_through_the_okta_steps_with_the_tenants_own_values(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let response = app.get(&tenant.path).await;
        assert_eq!(response.status(), 200);
        assert_page_headers(&response);
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/setup"] {
            assert!(cookie.contains(flag), "{cookie}");
        }
        let html = response.text().await.unwrap();
        assert!(html.contains("Ten Thousand Coffees"));
        assert!(html.contains("Acme Corp"));
        assert!(html.contains("SCIM 2.0 Test App (OAuth Bearer Token)"));
        assert!(html.contains(&format!("{}/scim/v2/acme-corp", app.address)), "the base URL is filled in");
        for action in ["Create Users", "Update User Attributes", "Deactivate Users", "Push Groups", "Assign to People"] {
            assert!(html.contains(action), "{action}");
        }
        assert!(html.contains(">Reveal token</button>"));
        assert!(html.contains("Waiting for Okta to test the credentials"));
        assert!(html.contains("urn:ietf:params:scim:schemas:extension:roster:2.0:User"));
        for value in roster_scim::proto::schema::MANAGEMENT_LEVELS.iter().chain(roster_scim::proto::schema::LANGUAGES) {
            assert!(html.contains(value), "allowed value {value} is listed");
        }
        assert!(!html.contains("roster_"), "no token exists yet, so none is shown");
        // The page's assets are served by Roster itself.
        assert_eq!(app.get("/static/setup.css").await.status(), 200);
        assert_eq!(app.get("/static/setup.js").await.status(), 200);
    }

    async fn revealing_shows_the_token_once_and_later_visits_show_only_its_prefix(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let (session, _) = app.open_page(&tenant.path).await;
        let reveal = format!("{}/token", tenant.path);
        let response = app.post_form(&reveal, Some(&session.cookie), &[("csrf", &session.csrf)]).await;
        assert_eq!(response.status(), 200);
        assert_page_headers(&response);
        let html = response.text().await.unwrap();
        let token = shown_token(&html).expect("the token is shown");
        assert!(html.contains("shown only this once"));
        assert_eq!(users_status(&app, &tenant.slug, &token).await, 200, "the revealed token works");

        let later = app.get(&tenant.path).await.text().await.unwrap();
        assert!(!later.contains(&token), "the token is never shown again");
        let ids = live_token_ids(&app, &tenant.slug).await;
        assert!(later.contains(&format!("roster_{}", ids[0])), "its prefix is shown");
        assert!(later.contains("Generate a new token"));
        assert!(!later.contains(">Reveal token</button>"));

        let again = app.post_form(&reveal, Some(&session.cookie), &[("csrf", &session.csrf)]).await;
        assert_eq!(again.status(), 303, "a second reveal shows nothing new");
        assert_eq!(live_token_ids(&app, &tenant.slug).await.len(), 1, "and mints nothing");
    }

    async fn a_new_token_works_alongside_the_old_until_the_admin_confirms_it(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let old = app.reveal_token(&tenant).await;
        app.clock.advance(chrono::Duration::days(1));
        let (session, _) = app.open_page(&tenant.path).await;
        let response = app
            .post_form(&format!("{}/token/new", tenant.path), Some(&session.cookie), &[("csrf", &session.csrf)])
            .await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        let new = shown_token(&html).expect("the new token is shown");
        assert_ne!(new, old);
        assert!(html.contains("I saved the new token in Okta"));
        assert_eq!(users_status(&app, &tenant.slug, &old).await, 200, "the old token still works");
        assert_eq!(users_status(&app, &tenant.slug, &new).await, 200);

        let page = app.get(&tenant.path).await.text().await.unwrap();
        let keep = crate::helpers::hidden_field(&page, "keep").expect("the confirm form names the new token");
        let third = app
            .post_form(&format!("{}/token/new", tenant.path), Some(&session.cookie), &[("csrf", &session.csrf)])
            .await;
        assert_eq!(third.status(), 303, "no third token while two are live");
        assert_eq!(live_token_ids(&app, &tenant.slug).await.len(), 2);

        let confirm = app
            .post_form(
                &format!("{}/token/confirm", tenant.path),
                Some(&session.cookie),
                &[("csrf", &session.csrf), ("keep", &keep)],
            )
            .await;
        assert_eq!(confirm.status(), 303);
        let location = confirm.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.ends_with("?done=confirmed"), "{location}");
        assert!(app.get(&location).await.text().await.unwrap().contains("the old token no longer works"));
        assert_eq!(users_status(&app, &tenant.slug, &old).await, 401, "the old token is revoked");
        assert_eq!(users_status(&app, &tenant.slug, &new).await, 200, "the new one keeps working");
    }

    async fn a_form_without_its_csrf_token_is_refused_with_a_403_page_and_changes_nothing(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let (session, _) = app.open_page(&tenant.path).await;
        let reveal = format!("{}/token", tenant.path);
        let forged = "A".repeat(43);
        for (cookie, csrf) in [
            (None, session.csrf.as_str()),
            (Some(session.cookie.as_str()), ""),
            (Some(session.cookie.as_str()), forged.as_str()),
        ] {
            let response = app.post_form(&reveal, cookie, &[("csrf", csrf)]).await;
            assert_eq!(response.status(), 403);
            assert_page_headers(&response);
            let html = response.text().await.unwrap();
            assert!(html.contains("Please reload the page and try again"), "{html}");
            assert!(shown_token(&html).is_none());
        }
        let email = app.post_form(&format!("{}/email", tenant.path), None, &[]).await;
        assert_eq!(email.status(), 403);
        assert!(live_token_ids(&app, &tenant.slug).await.is_empty(), "nothing was minted");
    }

    async fn unknown_expired_and_revoked_links_all_get_the_same_404_page(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let revoked = app.create_setup_tenant("Acme Corp").await;
        app.tenancy.issue_link(&revoked.slug, &Actor::Cli, None).await.unwrap();
        let expired = app.create_setup_tenant("Globex").await;
        let (id, _) = expired.path.trim_start_matches("/setup/").split_once('.').unwrap();
        let unknown = format!("/setup/{id}.{}", "x".repeat(43));
        app.clock.advance(chrono::Duration::days(8));
        // Revoked and unknown links stay unusable; the other link is now past its expiry.
        let mut bodies = Vec::new();
        for path in [revoked.path.as_str(), expired.path.as_str(), unknown.as_str(), "/setup/nonsense", "/setup"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 404, "{path}");
            assert_page_headers(&response);
            assert!(response.headers().get("set-cookie").is_none());
            bodies.push(response.text().await.unwrap());
        }
        assert!(bodies[0].contains("ask your contact at Ten Thousand Coffees") || bodies[0].contains("Ask your contact at Ten Thousand Coffees"), "{}", bodies[0]);
        assert!(bodies.iter().all(|b| *b == bodies[0]), "every unusable link gets the same bytes");
        let status = app.get(&format!("{}/status", expired.path)).await;
        assert_eq!(status.status(), 404);
        assert_eq!(status.text().await.unwrap(), bodies[0]);
    }

    async fn the_live_status_follows_okta_from_the_credentials_test_to_users_and_explains_errors(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let status = app.setup_status(&tenant).await;
        assert_eq!(status["stage"], "waiting");
        let token = app.reveal_token(&tenant).await;
        let users = format!("/scim/v2/{}/Users", tenant.slug);
        // Okta's "Test API Credentials" lists users.
        assert_eq!(app.scim(Method::GET, &format!("{users}?startIndex=1&count=1"), &token, None).await.status(), 200);
        app.wait_for_request_log(&tenant.slug, 1).await;
        let status = app.setup_status(&tenant).await;
        assert_eq!(status["stage"], "connected");
        assert!(status["status_html"].as_str().unwrap().contains("Credentials tested on"));
        assert!(status["checklist"][0]["done_at"].is_string());

        let refused = app.scim(Method::POST, &users, &token, Some(okta_user("jane@acme.example", "English"))).await;
        assert_eq!(refused.status(), 400);
        assert_eq!(app.scim(Method::POST, &users, &token, Some(okta_user("jane@acme.example", "en-US"))).await.status(), 201);
        app.wait_for_request_log(&tenant.slug, 3).await;
        let status = app.setup_status(&tenant).await;
        assert_eq!(status["stage"], "users");
        assert_eq!(status["users_active"], 1);
        let what = status["error"]["what"].as_str().unwrap();
        assert!(what.contains("\"English\"") && what.contains("Language"), "{what}");
        let fix = status["error"]["fix"].as_str().unwrap();
        assert!(fix.contains("en-US, fr-CA, es-ES, ko, ja"), "{fix}");
        let created = status["checklist"].as_array().unwrap().iter().find(|s| s["key"] == "user created").unwrap();
        assert!(created["done_at"].is_string());

        // Without JavaScript, the page itself says the same.
        let html = app.get(&tenant.path).await.text().await.unwrap();
        assert!(html.contains("Okta is sending users"));
        assert!(html.contains("Okta sent &#34;English&#34; for Language") || html.contains("Okta sent &quot;English&quot; for Language"), "the error is on the page");
        assert!(html.contains("data-key=\"user created\" data-done=\"true\""));
    }

    async fn setup_requests_are_rate_limited_per_client_address(database) {
        let (settings, _dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let mut limited = None;
        for i in 0..60 {
            let response = app.get(&format!("/setup/guess{i}.{}", "y".repeat(43))).await;
            if response.status() == 429 {
                limited = Some(response);
                break;
            }
            assert_eq!(response.status(), 404);
        }
        let response = limited.expect("a burst of guesses is cut off");
        assert_page_headers(&response);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry_after >= 1);
        assert!(response.text().await.unwrap().contains("Too many requests"));
    }
}
