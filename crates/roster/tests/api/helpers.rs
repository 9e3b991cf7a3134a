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
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
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
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()));
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
