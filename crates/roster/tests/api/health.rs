use roster_tenant::test_on_both_engines;

use crate::helpers::spawn_app;

test_on_both_engines! {
    async fn healthz_says_alive(database) {
        let app = spawn_app(&database).await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-request-id"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "alive");
    }

    async fn readyz_is_ready_when_the_database_answers_with_every_migration(database) {
        let app = spawn_app(&database).await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ready");
    }

    async fn readyz_is_503_when_the_migrations_are_behind(database) {
        let app = spawn_app(&database).await;
        roster_tenant::with_pool!(app.tenancy.db(), pool => {
            sqlx::query("delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)")
                .execute(pool).await.unwrap();
        });
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["reason"].as_str().unwrap().contains("migrations pending"), "{body}");
    }

    async fn readyz_is_503_when_the_database_is_gone(database) {
        let app = spawn_app(&database).await;
        app.tenancy.db().close().await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "unavailable");
    }

    async fn metrics_count_requests_by_route_template_and_status(database) {
        let app = spawn_app(&database).await;
        app.get("/healthz").await;
        app.get("/healthz").await;
        app.get("/no/such/page").await;
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(
            text.contains(r#"roster_http_requests_total{method="GET",route="/healthz",status="200"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
        assert!(text.contains("roster_http_request_duration_seconds_bucket"), "{text}");
    }
}
