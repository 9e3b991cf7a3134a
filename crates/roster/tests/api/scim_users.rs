//! The Users resource: every behaviour an identity provider relies on.

use roster_tenant::test_on_both_engines;
use serde_json::{json, Value};

use crate::{helpers::spawn_app, scim_support::okta_user};

fn ids(reply: &Value) -> Vec<String> {
    reply["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

test_on_both_engines! {
    async fn creating_a_user_answers_201_with_the_full_resource_location_and_etag(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let reply = scim.post("/Users", &okta_user("jane.doe@acme.example")).await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.headers["content-type"], "application/scim+json");
        let id = reply.body["id"].as_str().unwrap();
        let meta = &reply.body["meta"];
        assert_eq!(meta["resourceType"], "User");
        assert_eq!(meta["location"], format!("{}/Users/{id}", scim.base).replace(&app.address, &app.address));
        assert_eq!(reply.headers["location"], meta["location"].as_str().unwrap());
        assert_eq!(reply.headers["etag"], meta["version"].as_str().unwrap());
        assert!(meta["created"].is_string() && meta["lastModified"].is_string());
        assert_eq!(reply.body["emails"][0]["value"], "jane.doe@acme.example");
        assert!(reply.body.get("password").is_none());
        let stored: Vec<String> = roster_tenant::with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select cast(doc as text) from scim_users").fetch_all(pool).await.unwrap()
        });
        assert!(!stored[0].contains("1mP0ssible!"), "the password must never be stored");
    }

    async fn creating_the_same_username_twice_in_any_case_is_a_409_uniqueness_error(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.create_user("jane.doe@acme.example").await;
        scim.post("/Users", &okta_user("JANE.DOE@acme.example")).await.assert_error(409, Some("uniqueness"));
        let other = app.scim_tenant("globex").await;
        assert_eq!(other.post("/Users", &okta_user("jane.doe@acme.example")).await.status, 201, "another tenant may have the same userName");
        assert_eq!(scim.get("/Users").await.body["totalResults"], 1);
    }

    async fn refused_creates_leave_nothing_behind_and_every_connection_usable(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.create_user("jane.doe@acme.example").await;
        // More refusals than the pool has connections, some at once: each must be rolled back
        // whole (no email row, no count) and its connection left ready for the next write.
        let duplicate = okta_user("jane.doe@acme.example");
        let refused = (0..24).map(|_| scim.post("/Users", &duplicate));
        for reply in futures_util::future::join_all(refused).await {
            reply.assert_error(409, Some("uniqueness"));
        }
        for n in 0..12 {
            assert_eq!(scim.post("/Users", &okta_user(&format!("user{n}@acme.example"))).await.status, 201);
        }
        assert_eq!(scim.get("/Users?count=0").await.body["totalResults"], 13);
        let by_email = scim.get("/Users?filter=emails.value%20eq%20%22jane.doe@acme.example%22").await;
        assert_eq!(by_email.body["totalResults"], 1, "{}", by_email.body);
    }

    async fn unknown_user_ids_of_any_shape_are_404(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        for id in ["9f1e2d3c-0000-4000-8000-000000000000", "not-a-uuid", "%20", "x'--"] {
            scim.get(&format!("/Users/{id}")).await.assert_error(404, None);
            scim.put(&format!("/Users/{id}"), &okta_user("a@b.example")).await.assert_error(404, None);
            scim.patch(&format!("/Users/{id}"), &crate::scim_support::deactivate()).await.assert_error(404, None);
            scim.delete(&format!("/Users/{id}")).await.assert_error(404, None);
        }
    }

    async fn put_replaces_the_whole_user_and_ignores_read_only_attributes(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let id = scim.create_user("jane.doe@acme.example").await;
        let replacement = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "someone-else",
            "meta": { "resourceType": "User", "version": "W/\"99\"" },
            "groups": [{ "value": "g1" }],
            "userName": "jane.smith@acme.example",
            "name": { "givenName": "Jane", "familyName": "Smith" },
            "password": "n3w!",
            "active": true
        });
        let reply = scim.put(&format!("/Users/{id}"), &replacement).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["id"], id.as_str());
        assert_eq!(reply.body["userName"], "jane.smith@acme.example");
        assert!(reply.body.get("emails").is_none(), "attributes left out of a PUT are cleared");
        assert!(reply.body.get("password").is_none());
        assert_eq!(reply.body["meta"]["version"], "W/\"2\"");
    }

    async fn patch_handles_path_less_values_dotted_keys_and_string_booleans(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let id = scim.create_user("jane.doe@acme.example").await;
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                { "op": "Replace", "value": { "name.givenName": "Janet", "active": "False",
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales" } },
                { "op": "Add", "path": "emails[type eq \"home\"].value", "value": "janet@home.example" }
            ]
        });
        let reply = scim.patch(&format!("/Users/{id}"), &patch).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["name"]["givenName"], "Janet");
        assert_eq!(reply.body["active"], false);
        assert_eq!(reply.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Sales");
        let emails = reply.body["emails"].as_array().unwrap();
        assert_eq!(emails.len(), 2);
        let by_home = scim.get("/Users?filter=emails.value%20eq%20%22JANET@home.example%22").await;
        assert_eq!(by_home.body["totalResults"], 1, "the new email is indexed");
        let empty = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [] });
        let unchanged = scim.patch(&format!("/Users/{id}"), &empty).await;
        assert_eq!(unchanged.status, 200);
        assert_eq!(unchanged.body["meta"]["version"], reply.body["meta"]["version"]);
    }

    async fn a_failing_patch_changes_nothing(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let id = scim.create_user("jane.doe@acme.example").await;
        let before = scim.get(&format!("/Users/{id}")).await.body;
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                { "op": "replace", "path": "title", "value": "Boss" },
                { "op": "remove" }
            ]
        });
        scim.patch(&format!("/Users/{id}"), &patch).await.assert_error(400, Some("noTarget"));
        let bad_path = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "path": "emails[type eq", "value": "x" }]
        });
        scim.patch(&format!("/Users/{id}"), &bad_path).await.assert_error(400, Some("invalidPath"));
        let bad_op = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "move", "path": "title", "value": "x" }]
        });
        assert_eq!(scim.patch(&format!("/Users/{id}"), &bad_op).await.status, 400);
        assert_eq!(scim.get(&format!("/Users/{id}")).await.body, before);
    }

    async fn delete_answers_204_and_then_404(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let id = scim.create_user("jane.doe@acme.example").await;
        let deleted = scim.delete(&format!("/Users/{id}")).await;
        assert_eq!(deleted.status, 204);
        scim.get(&format!("/Users/{id}")).await.assert_error(404, None);
        scim.delete(&format!("/Users/{id}")).await.assert_error(404, None);
        assert_eq!(scim.create_user("jane.doe@acme.example").await.len(), 36, "the userName is free again");
    }

    async fn etags_guard_writes_and_spare_rereads(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let id = scim.create_user("jane.doe@acme.example").await;
        let path = format!("/Users/{id}");
        let current = scim.get(&path).await;
        let etag = current.headers["etag"].to_str().unwrap().to_owned();
        assert_eq!(etag, "W/\"1\"");
        let cached = scim.send(reqwest::Method::GET, &path, None, &[("If-None-Match", &etag)]).await;
        assert_eq!(cached.status, 304);
        let stale = [("If-Match", "W/\"7\"")];
        let body = crate::scim_support::deactivate();
        scim.send(reqwest::Method::PATCH, &path, Some(&body), &stale).await.assert_error(412, None);
        scim.send(reqwest::Method::PUT, &path, Some(&current.body), &stale).await.assert_error(412, None);
        scim.send(reqwest::Method::DELETE, &path, None, &stale).await.assert_error(412, None);
        let fresh = [("If-Match", etag.as_str())];
        let patched = scim.send(reqwest::Method::PATCH, &path, Some(&body), &fresh).await;
        assert_eq!(patched.status, 200);
        assert_eq!(patched.headers["etag"], "W/\"2\"");
    }

    async fn filters_are_answered_from_indexes_and_by_evaluation_alike(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let jane = scim.create_user("jane.doe@acme.example").await;
        scim.create_user("john.roe@acme.example").await;
        scim.create_user("ann.lee@globex.example").await;
        let q = |f: &str| format!("/Users?filter={}", f.replace(' ', "%20").replace('"', "%22"));
        let cases = [
            (r#"userName eq "JOHN.ROE@acme.example""#, vec!["john.roe@acme.example"]),
            (&*format!(r#"id eq "{jane}""#), vec!["jane.doe@acme.example"]),
            (r#"emails.value eq "ann.lee@globex.example""#, vec!["ann.lee@globex.example"]),
            (r#"emails[type eq "work"].value eq "ann.lee@globex.example""#, vec!["ann.lee@globex.example"]),
            (r#"userName co "acme""#, vec!["jane.doe@acme.example", "john.roe@acme.example"]),
            (r#"userName sw "j" and name.familyName eq "Roe""#, vec!["john.roe@acme.example"]),
            (r#"userName ew "globex.example" or name.givenName eq "jane""#, vec!["jane.doe@acme.example", "ann.lee@globex.example"]),
            (r#"not (userName co "acme")"#, vec!["ann.lee@globex.example"]),
            (r#"emails[type eq "work" and value co "globex"]"#, vec!["ann.lee@globex.example"]),
            (r#"title pr"#, vec![]),
        ];
        for (filter, expected) in cases {
            let reply = scim.get(&q(filter)).await;
            assert_eq!(reply.status, 200, "{filter}: {}", reply.body);
            assert_eq!(ids(&reply.body), expected, "{filter}");
            assert_eq!(reply.body["totalResults"], expected.len(), "{filter}");
        }
        let external = scim.get(&format!("/Users/{jane}")).await.body["externalId"].as_str().unwrap().to_owned();
        let by_external = scim.get(&q(&format!(r#"externalId eq "{external}""#))).await;
        assert!(ids(&by_external.body).contains(&"jane.doe@acme.example".to_owned()));
    }

    async fn a_bad_filter_is_400_invalid_filter_naming_the_position(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let reply = scim.get("/Users?filter=userName%20equals%20%22x%22").await;
        reply.assert_error(400, Some("invalidFilter"));
        assert!(reply.body["detail"].as_str().unwrap().contains("position"), "{}", reply.body);
        let deep = format!("/Users?filter={}userName%20eq%20%22x%22{}", "(".repeat(100), ")".repeat(100));
        scim.get(&deep).await.assert_error(400, Some("invalidFilter"));
    }

    async fn lists_page_sort_and_project(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        for name in ["carol@acme.example", "alice@acme.example", "bob@acme.example"] {
            scim.create_user(name).await;
        }
        let sorted = scim.get("/Users?sortBy=userName&sortOrder=descending").await;
        assert_eq!(ids(&sorted.body), ["carol@acme.example", "bob@acme.example", "alice@acme.example"]);
        let by_name = scim.get("/Users?sortBy=name.givenName&filter=userName%20co%20%22acme%22").await;
        assert_eq!(ids(&by_name.body), ["alice@acme.example", "bob@acme.example", "carol@acme.example"]);
        let page = scim.get("/Users?startIndex=2&count=1").await;
        assert_eq!(page.body["totalResults"], 3);
        assert_eq!(page.body["itemsPerPage"], 1);
        assert_eq!(ids(&page.body), ["alice@acme.example"]);
        let only_count = scim.get("/Users?count=0").await;
        assert_eq!(only_count.body["totalResults"], 3);
        assert_eq!(only_count.body["itemsPerPage"], 0);
        let projected = scim.get("/Users?attributes=userName&count=1").await;
        let user = &projected.body["Resources"][0];
        assert!(user.get("id").is_some() && user.get("userName").is_some());
        assert!(user.get("emails").is_none() && user.get("name").is_none(), "{user}");
        let excluded = scim.get("/Users?excludedAttributes=emails,name&count=1").await;
        let user = &excluded.body["Resources"][0];
        assert!(user.get("emails").is_none() && user.get("name").is_none() && user.get("userName").is_some());
        scim.get("/Users?startIndex=abc").await.assert_error(400, Some("invalidValue"));
        scim.get("/Users?sortOrder=sideways").await.assert_error(400, Some("invalidValue"));
    }

    async fn search_by_post_answers_like_get(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.create_user("jane.doe@acme.example").await;
        scim.create_user("john.roe@acme.example").await;
        let search = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"john\"",
            "attributes": ["userName"],
            "startIndex": 1,
            "count": 10
        });
        let reply = scim.post("/Users/.search", &search).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(ids(&reply.body), ["john.roe@acme.example"]);
        assert!(reply.body["Resources"][0].get("name").is_none());
    }

    async fn profile_fields_are_normalised_or_refused_naming_the_allowed_values(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let mut user = okta_user("jane.doe@acme.example");
        user["urn:ietf:params:scim:schemas:extension:roster:2.0:User"] = json!({
            "managementLevel": "sr. manager", "language": "en_us", "peopleManager": "YES", "status": "Active"
        });
        user["urn:ietf:params:scim:schemas:extension:acme:2.0:User"] = json!({ "costCentre": "42" });
        let reply = scim.post("/Users", &user).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let profile = &reply.body["urn:ietf:params:scim:schemas:extension:roster:2.0:User"];
        assert_eq!(profile["managementLevel"], "Sr. Manager");
        assert_eq!(profile["language"], "en-US");
        assert_eq!(profile["peopleManager"], "yes");
        assert_eq!(reply.body["urn:ietf:params:scim:schemas:extension:acme:2.0:User"]["costCentre"], "42", "unknown extensions are kept");
        let mut bad = okta_user("john.roe@acme.example");
        bad["urn:ietf:params:scim:schemas:extension:roster:2.0:User"] = json!({ "language": "English" });
        let refused = scim.post("/Users", &bad).await;
        refused.assert_error(400, Some("invalidValue"));
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("language") && detail.contains("en-US") && detail.contains("fr-CA"), "{detail}");
    }

    async fn bodies_must_be_json_of_a_scim_media_type_and_not_too_large(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let raw = |content_type: &'static str, body: String| {
            app.client
                .post(format!("{}/Users", scim.base))
                .header("Authorization", format!("Bearer {}", scim.token))
                .header("Content-Type", content_type)
                .body(body)
                .send()
        };
        let user = okta_user("jane.doe@acme.example").to_string();
        assert_eq!(raw("application/json; charset=UTF-8", user.clone()).await.unwrap().status(), 201);
        assert_eq!(raw("text/plain", user.clone()).await.unwrap().status(), 415);
        let broken = raw("application/scim+json", "{\"userName\":".into()).await.unwrap();
        assert_eq!(broken.status(), 400);
        let body: Value = broken.json().await.unwrap();
        assert_eq!(body["scimType"], "invalidSyntax");
        let huge = format!("{{\"userName\":\"x@y.example\",\"title\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let too_large = raw("application/scim+json", huge).await.unwrap();
        assert_eq!(too_large.status(), 413);
        let body: Value = too_large.json().await.unwrap();
        assert_eq!(body["status"], "413");
        assert_eq!(scim.get("/Users").await.body["totalResults"], 1, "nothing of the refused requests was written");
    }

    async fn paging_stays_exact_when_users_come_and_go_between_pages(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        for n in 0..250 {
            scim.create_user(&format!("user{n:03}@acme.example")).await;
        }
        let all = |reply: &Value| -> Vec<String> {
            reply["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
        };
        let everything = all(&scim.get("/Users?count=1000").await.body);
        // Walk the pages as Okta's import does: each page starts where the last one ended.
        for start in [1, 101, 201] {
            let page = all(&scim.get(&format!("/Users?startIndex={start}&count=100")).await.body);
            let from = start - 1;
            assert_eq!(page, everything[from..(from + 100).min(250)].to_vec(), "startIndex={start}");
        }
        // A deletion before a page moves it; a creation lands at the end.
        let gone = everything[5].clone();
        assert_eq!(scim.delete(&format!("/Users/{gone}")).await.status, 204);
        scim.create_user("late@acme.example").await;
        let now = all(&scim.get("/Users?count=1000").await.body);
        assert_eq!(now.len(), 250);
        for start in [101, 201, 1] {
            let reply = scim.get(&format!("/Users?startIndex={start}&count=100")).await;
            assert_eq!(reply.body["totalResults"], 250);
            let from = start - 1;
            assert_eq!(all(&reply.body), now[from..(from + 100).min(250)].to_vec(), "after the deletion, startIndex={start}");
        }
    }
}
