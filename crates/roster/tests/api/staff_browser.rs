//! The whole onboarding in a real browser (headless Chromium over WebDriver): a staff member
//! signs in, creates a company; the setup-link email arrives on a loopback SMTP server; the
//! admin opens the link and reveals the token; Okta's calls with it turn the company
//! "connected" and then show its one user on the companies page. Skipped loudly without
//! Chromium, except in CI.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use fantoccini::{wd::Capabilities, Client, ClientBuilder, Locator};
use reqwest::Method;
use roster_tenant::testing::{running_in_ci, TestDatabase};

use crate::{
    browser::{find_program, Driver},
    email::{parts, SmtpServer},
    helpers::{eventually, okta_user, spawn_app_with, web_settings},
    staff_console::{STAFF_EMAIL, STAFF_PASSWORD},
};

async fn start_browser() -> Option<(Driver, Client, tempfile::TempDir)> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = find_program(&["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        assert!(
            !running_in_ci(),
            "Chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "\n!!! SKIPPING the staff browser test: chromium or chromedriver is not on PATH.\n"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
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
    Some((driver, browser, profile))
}

async fn type_into(browser: &Client, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// The company's row on the companies page: (state, users cell).
async fn company_row(browser: &Client, address: &str, slug: &str) -> Option<(String, String)> {
    browser
        .goto(&format!("{address}/staff/companies"))
        .await
        .ok()?;
    let row = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!("tr[data-slug='{slug}']")))
        .await
        .ok()?;
    let state = row.attr("data-state").await.ok()??;
    let users = row
        .find(Locator::Css("td.users"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some((state, users))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_onboard_a_company_in_a_browser_and_watch_it_connect_with_one_user() {
    let Some((_driver, browser, _profile)) = start_browser().await else {
        return;
    };
    let smtp = SmtpServer::start(None).await;
    let database = TestDatabase::sqlite().await;
    let (mut settings, _dir) = web_settings(&database);
    settings.smtp_url = Some(smtp.url());
    let app = spawn_app_with(settings).await;
    app.add_staff(STAFF_EMAIL).await;
    let wait = |locator: &'static str| {
        let browser = browser.clone();
        async move {
            match browser
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css(locator))
                .await
            {
                Ok(element) => element,
                Err(e) => panic!(
                    "{locator}: {e} on {:?}:\n{}",
                    browser.current_url().await.map(|u| u.to_string()),
                    browser.source().await.unwrap_or_default()
                ),
            }
        }
    };

    // Sign in.
    browser
        .goto(&format!("{}/staff/companies", app.address))
        .await
        .unwrap();
    wait("input#email").await;
    type_into(&browser, "email", STAFF_EMAIL).await;
    type_into(&browser, "password", STAFF_PASSWORD).await;
    browser
        .find(Locator::Css("main button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("table#companies").await;

    // Create the company; the link is shown once and emailed with the note.
    browser
        .find(Locator::LinkText("Onboard a new company"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait("input#name").await;
    type_into(&browser, "name", "Acme Corp").await;
    type_into(&browser, "admin_name", "Ada Admin").await;
    type_into(&browser, "admin_email", "it@acme.example").await;
    type_into(&browser, "note", "Hi Ada, here is your link.").await;
    browser
        .find(Locator::Css("main button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = wait("#setup-link").await.text().await.unwrap();
    assert!(
        shown.starts_with(&format!("{}/setup/", app.address)),
        "{shown}"
    );

    let messages = smtp.wait_for(1).await;
    assert_eq!(messages[0].recipients, ["it@acme.example"]);
    let (text, _) = parts(&messages[0].data);
    assert!(text.contains("Hi Ada, here is your link."), "{text}");
    let link = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{}/setup/", app.address)))
        .expect("the email carries the setup link")
        .to_owned();
    assert_eq!(link, shown);

    // The admin opens the link and reveals the token.
    browser.goto(&link).await.unwrap();
    wait("button[name=reveal]").await.click().await.unwrap();
    let token = wait("#token-value").await.text().await.unwrap();
    assert!(token.starts_with("roster_"), "{token}");

    // Okta tests the credentials: the company turns "connected".
    let users = "/scim/v2/acme-corp/Users";
    let test = app
        .scim(
            Method::GET,
            &format!("{users}?startIndex=1&count=1"),
            &token,
            None,
        )
        .await;
    assert_eq!(test.status(), 200);
    eventually(30, "the company to turn connected", || async {
        app.scim.flush_request_log().await;
        let (state, users) = company_row(&browser, &app.address, "acme-corp").await?;
        (state == "connected" && users.starts_with("0 active")).then_some(())
    })
    .await;

    // Okta pushes a user: one user on the companies page.
    let created = app
        .scim(
            Method::POST,
            users,
            &token,
            Some(okta_user("jane@acme.example", "en-US")),
        )
        .await;
    assert_eq!(created.status(), 201);
    let (state, users) = eventually(30, "one user on the companies page", || async {
        app.scim.flush_request_log().await;
        let (state, users) = company_row(&browser, &app.address, "acme-corp").await?;
        users.starts_with("1 active").then_some((state, users))
    })
    .await;
    assert_eq!(users, "1 active");
    assert_eq!(state, "live", "users have arrived");
    browser.close().await.unwrap();
}
