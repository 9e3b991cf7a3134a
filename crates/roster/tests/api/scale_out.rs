//! Several `roster` processes on one PostgreSQL: what one writes the other reads, background
//! work runs once, revocation crosses processes within the cache TTL, and a killed process
//! loses nothing it acknowledged.

use std::time::Duration;

use reqwest::StatusCode;
use roster_tenant::{testing::TestDatabase, with_pool, Actor, NewTenant};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::{
    email::SmtpServer,
    helpers::{eventually, spawn_app_with, test_settings, TestApp},
    scim_support::okta_user,
    startup_errors::Server,
};

/// A second `roster serve` process on the same database.
fn second_process(
    database: &TestDatabase,
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> (Server, String) {
    let mut env = vec![
        ("ROSTER_DATABASE_URL", database.url.expose()),
        ("ROSTER_LOG", "info"),
    ];
    env.extend_from_slice(extra);
    let (server, port) = Server::start(dir, &env);
    (server, format!("http://127.0.0.1:{port}"))
}

async fn tenant_with_token(app: &TestApp, slug: &str) -> String {
    let new = NewTenant {
        display_name: slug.into(),
        slug: Some(slug.into()),
        admin_name: None,
        admin_email: format!("it@{slug}.example"),
        allowed_domains: vec![],
    };
    app.tenancy.create_tenant(new, &Actor::Cli).await.unwrap();
    let minted = app.tenancy.mint_token(slug, &Actor::Cli).await.unwrap();
    minted.token.expose_secret().to_owned()
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (StatusCode, Value) {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn postgres() -> Option<TestDatabase> {
    let database = TestDatabase::postgres().await?;
    database.connect().await; // migrated once, before two processes start
    Some(database)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_writes_sent_alternately_to_two_processes_are_visible_from_both() {
    let Some(database) = postgres().await else {
        return;
    };
    let app = spawn_app_with(test_settings(&database)).await;
    let token = tenant_with_token(&app, "acme").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut other, other_address) = second_process(&database, dir.path(), &[]);
    let bases = [
        format!("{}/scim/v2/acme", app.address),
        format!("{other_address}/scim/v2/acme"),
    ];
    let mut ids = Vec::new();
    for n in 0..40 {
        let base = &bases[n % 2];
        let reply = app
            .client
            .post(format!("{base}/Users"))
            .bearer_auth(&token)
            .header("Content-Type", "application/scim+json")
            .body(okta_user(&format!("user{n}@acme.example")).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
        ids.push(
            reply.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for base in &bases {
        let (_, list) = get(&app.client, &format!("{base}/Users?count=100"), &token).await;
        assert_eq!(list["totalResults"], 40, "{base}");
        for id in &ids {
            assert_eq!(
                get(&app.client, &format!("{base}/Users/{id}"), &token)
                    .await
                    .0,
                200
            );
        }
    }
    other.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_through_one_process_is_refused_by_the_other_within_the_cache_ttl() {
    let Some(database) = postgres().await else {
        return;
    };
    let mut settings = test_settings(&database);
    settings.token_cache_ttl = Duration::from_secs(2);
    let app = spawn_app_with(settings).await;
    let token = tenant_with_token(&app, "acme").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut other, other_address) =
        second_process(&database, dir.path(), &[("ROSTER_TOKEN_CACHE_TTL", "2s")]);
    let here = format!("{}/scim/v2/acme/Users", app.address);
    let there = format!("{other_address}/scim/v2/acme/Users");
    assert_eq!(get(&app.client, &here, &token).await.0, 200);
    assert_eq!(
        get(&app.client, &there, &token).await.0,
        200,
        "the other process has it cached now"
    );

    let id = app.tenancy.list_tokens("acme").await.unwrap()[0].id.clone();
    let revoked_at = std::time::Instant::now();
    app.tenancy
        .revoke_token("acme", &id, &Actor::Cli)
        .await
        .unwrap();
    assert_eq!(
        get(&app.client, &here, &token).await.0,
        401,
        "at once in the revoking process"
    );
    eventually(
        10,
        "the other process to refuse the revoked token",
        || async { (get(&app.client, &there, &token).await.0 == 401).then_some(()) },
    )
    .await;
    assert!(
        revoked_at.elapsed() < Duration::from_secs(2) + Duration::from_millis(1500),
        "within the TTL"
    );
    other.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_outbox_message_is_delivered_exactly_once_by_two_processes() {
    let Some(database) = postgres().await else {
        return;
    };
    let smtp = SmtpServer::start(None).await;
    let mut settings = test_settings(&database);
    settings.smtp_url = Some(smtp.url());
    let app = spawn_app_with(settings).await;
    tenant_with_token(&app, "acme").await;
    let tenant = app.tenancy.tenant("acme").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let smtp_url = smtp.url();
    let (mut other, _) = second_process(
        &database,
        dir.path(),
        &[("ROSTER_SMTP_URL", smtp_url.expose_secret())],
    );
    let now = chrono::Utc::now();
    with_pool!(app.tenancy.db(), pool => {
        for n in 0..40 {
            sqlx::query(
                "insert into outbox (tenant_id, id, kind, recipient, subject, body_text, body_html, carries_link, created_at, next_attempt_at) \
                 values ($1, $2, 'note', 'it@acme.example', $3, 'hello', '<p>hello</p>', false, $4, $4)",
            )
            .bind(&tenant.id).bind(format!("m{n:02}")).bind(format!("message {n:02}")).bind(now)
            .execute(pool).await.unwrap();
        }
    });
    eventually(30, "every message to be marked sent", || async {
        let unsent: i64 = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select count(*) from outbox where sent_at is null").fetch_one(pool).await.unwrap()
        });
        (unsent == 0).then_some(())
    })
    .await;
    let mut subjects: Vec<String> = smtp
        .messages()
        .iter()
        .filter_map(|m| {
            m.data
                .lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_owned))
        })
        .collect();
    subjects.sort();
    let expected: Vec<String> = (0..40).map(|n| format!("message {n:02}")).collect();
    assert_eq!(subjects, expected, "each message once, none twice");
    other.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_request_loses_no_acknowledged_write() {
    let Some(database) = postgres().await else {
        return;
    };
    let app = spawn_app_with(test_settings(&database)).await;
    let token = tenant_with_token(&app, "acme").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut victim, victim_address) = second_process(&database, dir.path(), &[]);
    let base = format!("{victim_address}/scim/v2/acme/Users");
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    for n in 0..300 {
        let client = app.client.clone();
        let (base, token, done) = (base.clone(), token.clone(), done_tx.clone());
        tokio::spawn(async move {
            let reply = client
                .post(&base)
                .bearer_auth(&token)
                .header("Content-Type", "application/scim+json")
                .body(okta_user(&format!("user{n}@acme.example")).to_string())
                .send()
                .await;
            let id = match reply {
                Ok(r) if r.status() == 201 => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_owned)),
                _ => None,
            };
            let _ = done.send(id);
        });
    }
    drop(done_tx);
    let mut acknowledged = Vec::new();
    let mut answered = 0;
    while let Some(id) = done_rx.recv().await {
        answered += 1;
        acknowledged.extend(id);
        if answered == 60 {
            victim.child.kill().unwrap(); // SIGKILL: no graceful anything
        }
    }
    victim.child.wait().unwrap();
    assert!(
        acknowledged.len() >= 50,
        "some writes were acknowledged before the kill"
    );
    assert!(acknowledged.len() < 300, "the kill interrupted the run");
    let survivor = format!("{}/scim/v2/acme/Users", app.address);
    for id in &acknowledged {
        assert_eq!(
            get(&app.client, &format!("{survivor}/{id}"), &token)
                .await
                .0,
            200,
            "acknowledged {id} was lost"
        );
    }
    let (_, list) = get(&app.client, &format!("{survivor}?count=0"), &token).await;
    let rows: i64 = with_pool!(app.tenancy.db(), pool => {
        sqlx::query_scalar("select count(*) from scim_users").fetch_one(pool).await.unwrap()
    });
    assert_eq!(
        list["totalResults"], rows,
        "the directory is consistent after the crash"
    );
}

roster_tenant::test_on_both_engines! {
    async fn the_hourly_retention_job_runs_in_one_process_per_hour(database) {
        // Two processes' services on one database, with clocks in step and no workers running.
        let db = database.connect().await;
        let start = chrono::Utc::now();
        let service = |clock: std::sync::Arc<roster_tenant::ManualClock>| {
            let tenancy = roster_tenant::Tenancy::new(db.clone(), Default::default(), clock);
            roster_scim::Scim::new(tenancy, Default::default())
        };
        let (clock_a, clock_b) = (
            std::sync::Arc::new(roster_tenant::ManualClock::new(start)),
            std::sync::Arc::new(roster_tenant::ManualClock::new(start)),
        );
        let (first, second) = (service(clock_a.clone()), service(clock_b.clone()));
        assert!(first.run_request_log_retention_if_due().await, "one process runs it");
        assert!(!second.run_request_log_retention_if_due().await, "the other does not run it again");
        assert!(!first.run_request_log_retention_if_due().await);
        clock_a.advance(chrono::Duration::minutes(59));
        clock_b.advance(chrono::Duration::minutes(61));
        assert!(!first.run_request_log_retention_if_due().await, "not before the hour is up");
        assert!(second.run_request_log_retention_if_due().await, "the next hour, whichever asks first");
        assert!(!first.run_request_log_retention_if_due().await);
    }
}
