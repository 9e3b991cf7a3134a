//! The staff console over HTTP, as a staff member's browser uses it (a cookie jar, forms with
//! their CSRF field), on both engines: access control, sign-in and its back-off, the bootstrap
//! URL, every page and action, and what each action leaves in the audit trail.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use roster::Application;
use roster_tenant::{test_on_both_engines, testing::TestDatabase, Actor, ManualClock, NewTenant};
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::{hidden_field, spawn_app, test_settings, TestApp};

pub const STAFF_EMAIL: &str = "sam@vendor.example";
pub const STAFF_PASSWORD: &str = "correct horse battery";

/// A browser of one staff member: its own cookie jar, the last CSRF field it saw.
pub struct Console {
    pub address: String,
    pub client: reqwest::Client,
    pub csrf: String,
}

impl Console {
    pub fn new(address: &str) -> Self {
        Self {
            address: address.to_owned(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            csrf: String::new(),
        }
    }

    /// GETs a page, keeping its CSRF field; returns the status and the HTML.
    pub async fn page(&mut self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let html = response.text().await.unwrap();
        if let Some(csrf) = hidden_field(&html, "csrf") {
            self.csrf = csrf;
        }
        (status, html)
    }

    /// Submits a form with the CSRF field the last page carried.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = fields.to_vec();
        let csrf = self.csrf.clone();
        fields.push(("csrf", &csrf));
        self.client
            .post(format!("{}{path}", self.address))
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_page(&mut self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let response = self.post(path, fields).await;
        let status = response.status().as_u16();
        let html = response.text().await.unwrap();
        if let Some(csrf) = hidden_field(&html, "csrf") {
            self.csrf = csrf;
        }
        (status, html)
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> reqwest::Response {
        self.page("/staff/login").await;
        self.post("/staff/login", &[("email", email), ("password", password)])
            .await
    }
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

impl TestApp {
    pub async fn add_staff(&self, email: &str) {
        self.tenancy
            .add_staff(email, &SecretString::from(STAFF_PASSWORD), "test")
            .await
            .unwrap();
    }

    /// A staff member signed in to the console.
    pub async fn staff_console(&self) -> Console {
        self.add_staff(STAFF_EMAIL).await;
        let mut console = Console::new(&self.address);
        let response = console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
        assert_eq!(response.status(), 303, "the sign-in is accepted");
        assert_eq!(location(&response), "/staff/companies");
        console.page("/staff/companies").await;
        console
    }

    async fn add_tenant(&self, slug: &str) {
        self.tenancy
            .create_tenant(
                NewTenant {
                    display_name: format!("{slug} Corp"),
                    slug: Some(slug.into()),
                    admin_name: None,
                    admin_email: format!("it@{slug}.example"),
                    allowed_domains: vec![],
                },
                &Actor::Cli,
            )
            .await
            .unwrap();
    }

    async fn outbox_kinds(&self, slug: &str) -> Vec<(String, String)> {
        let sql = "select o.kind, o.recipient from outbox o join tenants t on t.id = o.tenant_id \
                   where t.slug = $1 order by o.created_at";
        roster_tenant::with_pool!(self.tenancy.db(), pool => {
            sqlx::query_as(sql).bind(slug).fetch_all(pool).await.unwrap()
        })
    }
}

test_on_both_engines! {
    async fn no_console_page_or_action_works_without_a_session(database) {
        let app = spawn_app(&database).await;
        app.add_tenant("acme").await;
        for path in ["/staff", "/staff/companies", "/staff/companies/new", "/staff/companies/acme", "/staff/companies/acme/health"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 303, "{path}");
            assert_eq!(location(&response), "/staff/login", "{path}");
        }
        let mut stranger = Console::new(&app.address);
        stranger.page("/staff/login").await;
        for path in ["/staff/companies", "/staff/companies/acme/suspend", "/staff/companies/acme/delete", "/staff/companies/acme/link", "/staff/logout"] {
            let response = stranger.post(path, &[("confirm", "acme"), ("name", "Evil"), ("admin_email", "a@b.example")]).await;
            assert_eq!(response.status(), 403, "{path}");
        }
        let tenant = app.tenancy.tenant("acme").await.unwrap();
        assert_eq!(tenant.state.as_str(), "onboarding", "nothing was suspended");
        assert_eq!(app.tenancy.list_tenants().await.unwrap().len(), 1, "nothing was created or deleted");
    }

    async fn a_staff_member_signs_in_onboards_a_company_and_sees_it_listed(database) {
        let app = spawn_app(&database).await;
        let mut console = app.staff_console().await;
        let (status, form) = console.page("/staff/companies/new").await;
        assert_eq!(status, 200);
        assert!(form.contains("<label for=\"slug\">"), "the form's fields are labelled");
        let (status, page) = console.post_page("/staff/companies", &[
            ("name", "Acme Corp"), ("slug", ""), ("admin_name", "Ada Admin"),
            ("admin_email", "it@acme.example"), ("allowed_domains", "acme.example, acme.co"),
            ("send_email", "on"), ("note", "Welcome aboard!"),
        ]).await;
        assert_eq!(status, 200, "{page}");
        let link = page.split("id=\"setup-link\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert!(link.starts_with(&format!("{}/setup/", app.address)), "the link is shown once: {link}");
        assert!(page.contains(&format!("{}/scim/v2/acme-corp", app.address)), "the SCIM base URL is shown");
        assert!(page.contains("It is being emailed to it@acme.example"));
        assert_eq!(app.outbox_kinds("acme-corp").await, [("setup-link".to_owned(), "it@acme.example".to_owned())]);
        // The link works, and the company page never shows it again.
        assert_eq!(app.get(link.strip_prefix(&app.address).unwrap()).await.status(), 200);
        let (_, again) = console.page("/staff/companies/acme-corp").await;
        assert!(!again.contains(&link));
        assert!(again.contains("opened"), "the link's state follows: {again}");

        let (_, list) = console.page("/staff/companies").await;
        assert!(list.contains("data-slug=\"acme-corp\" data-state=\"onboarding\" data-link=\"opened\""), "{list}");
        assert!(list.contains("not revealed"));
        let (_, found) = console.page("/staff/companies?q=ACME").await;
        assert!(found.contains("acme-corp"));
        let (_, none) = console.page("/staff/companies?q=globex").await;
        assert!(!none.contains("data-slug=\"acme-corp\""));

        let trail = app.tenancy.audit_trail("acme-corp").await.unwrap();
        assert!(trail.iter().any(|e| e.action == "tenant created" && e.actor == STAFF_EMAIL));
        assert!(trail.iter().any(|e| e.action == "link issued" && e.actor == STAFF_EMAIL));
    }

    async fn a_taken_slug_or_bad_email_is_explained_on_the_form(database) {
        let app = spawn_app(&database).await;
        app.add_tenant("acme").await;
        let mut console = app.staff_console().await;
        console.page("/staff/companies/new").await;
        let (status, page) = console.post_page("/staff/companies", &[("name", "Acme"), ("slug", "acme"), ("admin_email", "it@acme.example")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("The slug acme is already taken"), "{page}");
        assert!(page.contains("value=\"Acme\""), "what was typed is kept");
        let (status, page) = console.post_page("/staff/companies", &[("name", "Globex"), ("admin_email", "nobody")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("is not a valid email address"), "{page}");
        assert_eq!(app.tenancy.list_tenants().await.unwrap().len(), 1);
    }

    async fn staff_issue_and_revoke_links_revoke_tokens_suspend_resume_and_delete(database) {
        let app = spawn_app(&database).await;
        app.add_tenant("acme").await;
        let old = app.tenancy.issue_link("acme", &Actor::Cli, None).await.unwrap();
        let old_path = secrecy::ExposeSecret::expose_secret(&old.url).strip_prefix(&app.address).unwrap().to_owned();
        let token = app.tenancy.mint_token("acme", &Actor::Cli).await.unwrap();
        let mut console = app.staff_console().await;
        console.page("/staff/companies/acme").await;

        let (status, page) = console.post_page("/staff/companies/acme/link", &[("note", "")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"setup-link\""));
        assert_eq!(app.get(&old_path).await.status(), 404, "the old link stops working");
        assert!(app.outbox_kinds("acme").await.is_empty(), "not emailed unless asked");

        let response = console.post("/staff/companies/acme/link/revoke", &[]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(app.tenancy.current_link("acme").await.unwrap().unwrap().state, roster_tenant::LinkState::Revoked);

        let response = console.post("/staff/companies/acme/tokens/revoke", &[("token", &token.info.id)]).await;
        assert_eq!(response.status(), 303);
        assert!(app.tenancy.list_tokens("acme").await.unwrap().iter().all(|t| !t.is_live()));

        assert_eq!(console.post("/staff/companies/acme/suspend", &[]).await.status(), 303);
        assert_eq!(app.tenancy.tenant("acme").await.unwrap().state.as_str(), "suspended");
        let (_, page) = console.page("/staff/companies/acme?done=suspended").await;
        assert!(page.contains("The company is suspended"));
        assert_eq!(console.post("/staff/companies/acme/resume", &[]).await.status(), 303);
        assert_eq!(app.tenancy.tenant("acme").await.unwrap().state.as_str(), "onboarding");

        let (status, page) = console.post_page("/staff/companies/acme/delete", &[("confirm", "acme-corp")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("Nothing was deleted"), "{page}");
        assert!(app.tenancy.tenant("acme").await.is_ok());
        let response = console.post("/staff/companies/acme/delete", &[("confirm", "acme")]).await;
        assert_eq!(response.status(), 303);
        assert!(app.tenancy.tenant("acme").await.is_err(), "the tenant is gone");

        let trail = audit_by_slug(&app.tenancy, "acme").await;
        for action in ["link issued", "link revoked", "token revoked", "tenant suspended", "tenant resumed", "tenant deleted"] {
            assert!(trail.iter().any(|(actor, a)| a == action && actor == STAFF_EMAIL), "{action} by staff in {trail:?}");
        }
    }

    async fn a_form_without_the_sessions_csrf_token_or_from_another_site_is_refused(database) {
        let app = spawn_app(&database).await;
        app.add_tenant("acme").await;
        let console = app.staff_console().await;
        let response = console.client.post(format!("{}/staff/companies/acme/suspend", app.address))
            .form(&[("csrf", "forged")]).send().await.unwrap();
        assert_eq!(response.status(), 403);
        let response = console.client.post(format!("{}/staff/companies/acme/suspend", app.address))
            .header("origin", "https://evil.example")
            .form(&[("csrf", console.csrf.as_str())]).send().await.unwrap();
        assert_eq!(response.status(), 403);
        let response = console.client.post(format!("{}/staff/companies/acme/suspend", app.address))
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf", console.csrf.as_str())]).send().await.unwrap();
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains("nothing was changed"));
        assert_eq!(app.tenancy.tenant("acme").await.unwrap().state.as_str(), "onboarding");
        // The same form, from the console itself, works.
        let response = console.client.post(format!("{}/staff/companies/acme/suspend", app.address))
            .header("origin", app.address.as_str())
            .header("sec-fetch-site", "same-origin")
            .form(&[("csrf", console.csrf.as_str())]).send().await.unwrap();
        assert_eq!(response.status(), 303);
    }

    async fn failed_sign_ins_back_off_alike_for_known_and_unknown_accounts(database) {
        let app = spawn_app(&database).await;
        app.add_staff(STAFF_EMAIL).await;
        let mut console = Console::new(&app.address);
        for email in [STAFF_EMAIL, "nobody@vendor.example"] {
            for _ in 0..3 {
                let response = console.sign_in(email, "wrong password!").await;
                assert_eq!(response.status(), 401);
                assert!(response.text().await.unwrap().contains("do not match an active staff account"));
            }
        }
        // Even the right password waits now, with the same words as for an unknown account.
        let known = console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
        assert_eq!(known.status(), 429);
        assert_eq!(known.headers()["retry-after"], "2");
        let known = known.text().await.unwrap();
        let unknown = console.sign_in("nobody@vendor.example", STAFF_PASSWORD).await;
        assert_eq!(unknown.status(), 429);
        let unknown = unknown.text().await.unwrap();
        let message = |html: &str| html.split("id=\"form-error\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        assert_eq!(message(&known), message(&unknown));
        assert!(message(&known).contains("Wait 2 seconds"));

        app.clock.advance(Duration::seconds(3));
        let response = console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
        assert_eq!(response.status(), 303, "after the wait the right password works");
    }

    async fn a_session_ends_after_eight_idle_hours_when_signing_out_and_when_the_account_is_disabled(database) {
        let app = spawn_app(&database).await;
        let mut console = app.staff_console().await;
        assert_eq!(console.page("/staff/companies").await.0, 200);
        app.clock.advance(Duration::hours(7));
        assert_eq!(console.page("/staff/companies").await.0, 200, "use keeps it alive");
        app.clock.advance(Duration::hours(9));
        assert_eq!(console.page("/staff/companies").await.0, 303, "idle too long");

        let response = console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
        assert_eq!(response.status(), 303);
        let (_, page) = console.page("/staff/companies").await;
        assert!(page.contains("Signed in as sam@vendor.example"));
        assert_eq!(console.post("/staff/logout", &[]).await.status(), 303);
        assert_eq!(console.page("/staff/companies").await.0, 303, "signed out");

        console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
        assert_eq!(console.page("/staff/companies").await.0, 200);
        app.tenancy.disable_staff(STAFF_EMAIL).await.unwrap();
        assert_eq!(console.page("/staff/companies").await.0, 303, "a disabled account's session ends");
        assert_eq!(console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await.status(), 401);
    }

    async fn the_session_cookie_is_encrypted_http_only_and_same_site_strict(database) {
        let app = spawn_app(&database).await;
        app.add_staff(STAFF_EMAIL).await;
        let mut console = Console::new(&app.address);
        console.page("/staff/login").await;
        let response = console.post("/staff/login", &[("email", STAFF_EMAIL), ("password", STAFF_PASSWORD)]).await;
        let cookie = response.headers().get_all("set-cookie").iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("roster_staff=")).expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert!(cookie.contains("Path=/staff"), "{cookie}");
        assert!(!cookie.contains("sam"), "the content is encrypted: {cookie}");
    }

    async fn the_bootstrap_url_creates_the_first_account_once(database) {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()));
        let app = Application::build_with_clock(test_settings(&database), clock).await.unwrap();
        let url = app.bootstrap_url().expect("a bootstrap URL while no account exists").to_owned();
        let address = format!("http://127.0.0.1:{}", app.port());
        let tenancy = app.tenancy().clone();
        tokio::spawn(app.run_until_stopped());
        let path = url.strip_prefix(&address).unwrap().to_owned();
        assert!(path.starts_with("/staff/bootstrap/"));

        let mut wrong = Console::new(&address);
        assert_eq!(wrong.page("/staff/bootstrap/not-the-secret").await.0, 404);

        let mut console = Console::new(&address);
        let (status, _) = console.page(&path).await;
        assert_eq!(status, 200);
        let (status, page) = console.post_page(&path, &[("email", "first@vendor.example"), ("password", "short"), ("password_again", "short")]).await;
        assert_eq!(status, 422);
        assert!(page.contains("at least 12") || page.contains("12 to"), "{page}");
        let response = console.post(&path, &[("email", "first@vendor.example"), ("password", STAFF_PASSWORD), ("password_again", STAFF_PASSWORD)]).await;
        assert_eq!(response.status(), 303);
        assert_eq!(console.page("/staff/companies").await.0, 200, "signed in at once");
        assert_eq!(tenancy.count_staff().await.unwrap(), 1);

        let mut later = Console::new(&address);
        assert_eq!(later.page(&path).await.0, 404, "useless once an account exists");
        later.page("/staff/login").await;
        let response = later.post(&path, &[("email", "second@vendor.example"), ("password", STAFF_PASSWORD), ("password_again", STAFF_PASSWORD)]).await;
        assert_eq!(response.status(), 404);
        assert_eq!(tenancy.count_staff().await.unwrap(), 1);
    }

    async fn the_company_page_shows_the_request_log_with_filters_and_the_directory_health(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        assert_eq!(scim.post("/Users", &crate::helpers::okta_user("jane@acme.example", "en-US")).await.status, 201);
        let mut bad = crate::helpers::okta_user("joe@acme.example", "en-US");
        bad["urn:ietf:params:scim:schemas:extension:roster:2.0:User"] = json!({"managementLevel": "Overlord"});
        assert_eq!(scim.post("/Users", &bad).await.status, 400);
        app.scim.flush_request_log().await;
        let mut console = app.staff_console().await;

        let (_, page) = console.page("/staff/companies/acme").await;
        assert!(page.contains("2 requests"), "{page}");
        assert!(page.contains("data-status=\"201\"") && page.contains("data-status=\"400\""));
        let (_, errors) = console.page("/staff/companies/acme?status=4xx").await;
        assert!(errors.contains("1 request."), "{errors}");
        assert!(!errors.contains("data-status=\"201\""));
        let (_, by_class) = console.page("/staff/companies/acme?class=invalid+value").await;
        assert!(by_class.contains("data-status=\"400\"") && !by_class.contains("data-status=\"201\""));
        let (_, none) = console.page("/staff/companies/acme?class=uniqueness").await;
        assert!(none.contains("0 requests"));

        let (_, list) = console.page("/staff/companies").await;
        assert!(list.contains("data-state=\"live\""), "{list}");
        assert!(list.contains("1 active"));

        let (status, health) = console.page("/staff/companies/acme/health").await;
        assert_eq!(status, 200);
        assert!(health.contains("id=\"users-active\">1<"), "{health}");
        let row = |field: &str| health.split(&format!("data-field=\"{field}\"")).nth(1).unwrap().split("</tr>").next().unwrap().to_owned();
        assert!(row("managementLevel").contains("100%"), "{}", row("managementLevel"));
        assert!(row("businessUnit").contains("0%"), "{}", row("businessUnit"));
        assert!(health.contains("Overlord"), "the rejected value and why: {health}");
        let director = health.split("data-level=\"Director\"").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(director.contains("<td>1</td>"), "{director}");
    }
}

/// (actor, action) of a tenant's audit trail, read by slug even after deletion.
async fn audit_by_slug(tenancy: &roster_tenant::Tenancy, slug: &str) -> Vec<(String, String)> {
    let sql = "select actor, action from audit_events where tenant_slug = $1 order by at";
    roster_tenant::with_pool!(tenancy.db(), pool => {
        sqlx::query_as(sql).bind(slug).fetch_all(pool).await.unwrap()
    })
}

// The command line's `roster staff add/disable`, on SQLite (the same code serves PostgreSQL).
#[tokio::test]
async fn roster_staff_add_reads_the_password_from_stdin_and_disable_ends_sign_in() {
    let database = TestDatabase::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let url = database.url.expose().to_owned();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
            .current_dir(dir.path())
            .args(args)
            .env_clear()
            .env("ROSTER_DATABASE_URL", &url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let added = run(
        &["staff", "add", "Sam@Vendor.example", "--password-stdin"],
        &format!("{STAFF_PASSWORD}\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(String::from_utf8_lossy(&added.stdout).contains("sam@vendor.example can sign in"));
    let again = run(
        &["staff", "add", "sam@vendor.example", "--password-stdin"],
        &format!("{STAFF_PASSWORD}\n"),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let short = run(
        &["staff", "add", "kim@vendor.example", "--password-stdin"],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least")
            || String::from_utf8_lossy(&short.stderr).contains("12 to")
    );

    let app = spawn_app(&database).await;
    let mut console = Console::new(&app.address);
    assert_eq!(
        console.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await.status(),
        303,
        "the CLI's account signs in"
    );
    let listed = run(&["staff", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("sam@vendor.example  active"));

    let disabled = run(&["staff", "disable", "sam@vendor.example"], "");
    assert!(
        disabled.status.success(),
        "{}",
        String::from_utf8_lossy(&disabled.stderr)
    );
    assert_eq!(
        console.page("/staff/companies").await.0,
        303,
        "the session ended"
    );
    let mut fresh = Console::new(&app.address);
    assert_eq!(
        fresh.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await.status(),
        401
    );
    let unknown = run(&["staff", "disable", "nobody@vendor.example"], "");
    assert_eq!(unknown.status.code(), Some(1));
}
