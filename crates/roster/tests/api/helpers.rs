use std::{path::Path, process::Output, sync::Arc};

use chrono::{TimeZone, Utc};
use roster::{Application, Settings};
use roster_tenant::{testing::TestDatabase, ManualClock, Tenancy};
use secrecy::SecretString;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub tenancy: Tenancy,
    pub scim: roster_scim::Scim,
    #[allow(dead_code)] // for the tests that move time
    pub clock: Arc<ManualClock>,
}

pub fn test_settings(database: &TestDatabase) -> Settings {
    // Mail without SMTP is written under the data directory: keep it out of the source tree.
    let data_dir =
        std::env::temp_dir().join(format!("roster-test-{}", uuid::Uuid::new_v4().simple()));
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir,
        database_url: Some(SecretString::from(database.url.expose().to_owned())),
        log: "warn".into(),
        ..Settings::default()
    }
}

/// Builds the whole application on a random port with its own database, and serves it.
pub async fn spawn_app(database: &TestDatabase) -> TestApp {
    spawn_app_with(test_settings(database)).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let tenancy = app.tenancy().clone();
    let scim = app.scim().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        tenancy,
        scim,
        clock,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("the request is answered")
    }
}

/// Runs the `roster` binary in `dir` with only the given environment.
pub fn roster(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("roster runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ---- Setup pages and email (roster-web) ----

/// A tenant created as staff would, with a live setup link.
pub struct SetupTenant {
    pub slug: String,
    pub admin_email: String,
    /// `/setup/{id}.{secret}`
    pub path: String,
    /// The full link, as emailed to the admin.
    pub url: String,
}

/// The CSRF cookie and form value a browser would hold after opening the page.
pub struct PageSession {
    pub cookie: String,
    pub csrf: String,
}

/// Settings whose data directory (where `.eml` files go) is a fresh temporary one.
pub fn web_settings(database: &TestDatabase) -> (Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(database);
    settings.data_dir = dir.path().to_path_buf();
    settings.vendor_name = "Ten Thousand Coffees".into();
    (settings, dir)
}

impl TestApp {
    pub async fn create_setup_tenant(&self, name: &str) -> SetupTenant {
        let slug = roster_tenant::TenantSlug::suggest(name);
        let admin_email = format!("it@{slug}.example");
        self.tenancy
            .create_tenant(
                roster_tenant::NewTenant {
                    display_name: name.into(),
                    slug: Some(slug.clone()),
                    admin_name: Some("Ada Admin".into()),
                    admin_email: admin_email.clone(),
                    allowed_domains: vec![],
                },
                &roster_tenant::Actor::Cli,
            )
            .await
            .expect("the tenant is created");
        let issued = self
            .tenancy
            .issue_link(&slug, &roster_tenant::Actor::Cli, None)
            .await
            .expect("a link is issued");
        let url = secrecy::ExposeSecret::expose_secret(&issued.url).to_owned();
        let path = url
            .strip_prefix(&self.address)
            .expect("the link starts with the app's address")
            .to_owned();
        SetupTenant {
            slug,
            admin_email,
            path,
            url,
        }
    }

    /// Opens the page as a browser would and keeps its CSRF cookie and field.
    pub async fn open_page(&self, path: &str) -> (PageSession, String) {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "the setup page opens");
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("roster_setup_csrf="))
            .expect("the page sets its CSRF cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let html = response.text().await.unwrap();
        let csrf = hidden_field(&html, "csrf").expect("the page's forms carry a CSRF field");
        (PageSession { cookie, csrf }, html)
    }

    /// Submits a setup-page form with the given cookie header (if any) and fields.
    pub async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .form(fields);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("the request is answered")
    }

    /// Presses "Reveal token" and returns the token shown.
    pub async fn reveal_token(&self, tenant: &SetupTenant) -> String {
        let (session, _) = self.open_page(&tenant.path).await;
        let response = self
            .post_form(
                &format!("{}/token", tenant.path),
                Some(&session.cookie),
                &[("csrf", &session.csrf)],
            )
            .await;
        assert_eq!(response.status(), 200);
        shown_token(&response.text().await.unwrap()).expect("the token is shown")
    }

    /// A SCIM request with a bearer token, as Okta sends it.
    pub async fn scim(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        request.send().await.expect("the SCIM request is answered")
    }

    /// The setup page's live status, as its script polls it.
    pub async fn setup_status(&self, tenant: &SetupTenant) -> serde_json::Value {
        let response = self.get(&format!("{}/status", tenant.path)).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

/// The value of the first hidden input named `name` in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// The token a page shows in its `token-value` element, if any.
pub fn shown_token(html: &str) -> Option<String> {
    let marker = "id=\"token-value\">";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_owned())
}

/// A SCIM user as Okta pushes it, with Roster's profile extension.
pub fn okta_user(user_name: &str, language: &str) -> serde_json::Value {
    serde_json::json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:roster:2.0:User"
        ],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": user_name, "primary": true, "type": "work"}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {
            "managementLevel": "Director",
            "language": language
        }
    })
}

/// Polls `check` every 50 ms until it yields a value, failing after `seconds`.
pub async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl TestApp {
    /// Waits until the tenant's request log holds `count` entries (it is flushed every second).
    pub async fn wait_for_request_log(&self, slug: &str, count: i64) {
        let sql = "select count(*) from scim_requests r join tenants t on t.id = r.tenant_id where t.slug = $1";
        eventually(10, "the request log to be flushed", || async {
            let n: i64 = roster_tenant::with_pool!(self.tenancy.db(), pool => {
                sqlx::query_scalar(sql).bind(slug).fetch_one(pool).await.unwrap()
            });
            (n >= count).then_some(())
        })
        .await
    }
}
