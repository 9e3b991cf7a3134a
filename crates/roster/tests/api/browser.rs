//! The setup page in a real browser (headless Chromium over WebDriver): open the link, reveal
//! the token, read it from the page, call the SCIM API with it, and watch the status panel and
//! the checklist change without a reload. Skipped loudly without Chromium, except in CI.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use fantoccini::{wd::Capabilities, ClientBuilder, Locator};
use reqwest::Method;
use roster_tenant::testing::{running_in_ci, TestDatabase};

use crate::helpers::{eventually, okta_user, spawn_app_with, web_settings};

pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver, stopped when the test ends however it ends.
pub(crate) struct Driver(pub(crate) Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_reveals_the_token_in_a_browser_and_watches_okta_connect_without_reloading() {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !running_in_ci(),
            "Chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "\n!!! SKIPPING the browser test: chromium or chromedriver is not on PATH.\n\
             !!! Install them (apt-get install chromium chromium-driver) to run it.\n"
        );
        return;
    };
    let database = TestDatabase::sqlite().await;
    let (settings, _dir) = web_settings(&database);
    let app = spawn_app_with(settings).await;
    let tenant = app.create_setup_tenant("Acme Corp").await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    eventually(20, "chromedriver to listen", || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
    })
    .await;
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session starts");

    browser.goto(&tenant.url).await.unwrap();
    let heading = browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("Acme Corp"), "{heading}");
    browser
        .find(Locator::Css("button[name=reveal]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The click submits a form: wait for the page it leads to.
    let token = browser
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("#token-value"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(token.starts_with("roster_"), "{token}");
    let copy = browser
        .find(Locator::Css("button[data-copy=token-value]"))
        .await
        .unwrap();
    assert!(
        copy.is_displayed().await.unwrap(),
        "the script shows the copy button"
    );
    let stage = browser
        .find(Locator::Css("#live-status [data-stage]"))
        .await
        .unwrap();
    assert_eq!(
        stage.attr("data-stage").await.unwrap().as_deref(),
        Some("waiting")
    );

    // Anything left on `window` survives only if the page is never reloaded.
    browser
        .execute("window.rosterMarker = 'still here'; return null;", vec![])
        .await
        .unwrap();
    let users = format!("/scim/v2/{}/Users", tenant.slug);
    assert_eq!(
        app.scim(
            Method::GET,
            &format!("{users}?startIndex=1&count=1"),
            &token,
            None
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.scim(
            Method::POST,
            &users,
            &token,
            Some(okta_user("jane@acme.example", "en-US"))
        )
        .await
        .status(),
        201
    );

    eventually(30, "the status panel and checklist to update", || async {
        let done = browser
            .find_all(Locator::Css(
                "#checklist li[data-key='user created'][data-done='true']",
            ))
            .await
            .ok()?;
        let stage = browser
            .find(Locator::Css("#live-status [data-stage='users']"))
            .await
            .ok();
        (!done.is_empty() && stage.is_some()).then_some(())
    })
    .await;
    let panel = browser
        .find(Locator::Css("#live-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(panel.contains("Credentials tested on"), "{panel}");
    assert!(panel.contains("1 active"), "{panel}");
    let marker = browser
        .execute("return window.rosterMarker;", vec![])
        .await
        .unwrap();
    assert_eq!(
        marker,
        serde_json::json!("still here"),
        "the page was not reloaded"
    );
    browser.close().await.unwrap();
}
