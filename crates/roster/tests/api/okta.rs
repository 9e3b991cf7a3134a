//! Okta's SCIM 2.0 spec test, step by step, and Okta's provisioning sequence.

use roster_tenant::test_on_both_engines;
use serde_json::{json, Value};

use crate::{
    helpers::spawn_app,
    scim_support::{deactivate, okta_user, reactivate},
};

fn assert_complete_user(user: &Value) {
    for pointer in [
        "/id",
        "/name/familyName",
        "/name/givenName",
        "/userName",
        "/emails/0/value",
    ] {
        let value = user.pointer(pointer).and_then(Value::as_str).unwrap_or("");
        assert!(!value.is_empty(), "{pointer} missing in {user}");
    }
    assert!(user["active"].is_boolean(), "{user}");
}

test_on_both_engines! {
    async fn okta_spec_test_passes_step_by_step(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        scim.create_user("existing.person@atko.com").await;

        // 1. Test Users endpoint.
        let list = scim.get("/Users?count=1&startIndex=1").await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
        for field in ["itemsPerPage", "startIndex", "totalResults"] {
            assert!(list.body[field].is_u64(), "{field} must be an integer: {}", list.body);
        }
        assert_complete_user(&list.body["Resources"][0]);
        let id = list.body["Resources"][0]["id"].as_str().unwrap().to_owned();

        // 2. Get Users/{id}.
        let user = scim.get(&format!("/Users/{id}")).await;
        assert_eq!(user.status, 200);
        assert_complete_user(&user.body);
        assert_eq!(user.body["id"], id.as_str());

        // 3. and 5. Unknown userName → an empty list.
        for name in ["abcdefgh@atko.com", "runscope123xxxxxxxx123@atko.com"] {
            let none = scim.get(&format!("/Users?filter=userName%20eq%20%22{name}%22")).await;
            assert_eq!(none.status, 200);
            assert_eq!(none.body["totalResults"], 0);
            assert_eq!(none.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
        }

        // 4. and 12. Unknown ids → 404 with an error body.
        for unknown in ["010101001010101011001010101011", "00919288221112222"] {
            scim.get(&format!("/Users/{unknown}")).await.assert_error(404, None);
        }

        // 6. Create with realistic values, sent as application/json.
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "runscope123xxxxxxxx123@atko.com",
            "name": { "givenName": "Runscope123", "familyName": "Xxxxxxxx123" },
            "emails": [{ "primary": true, "value": "runscope123xxxxxxxx123@atko.com", "type": "work" }],
            "displayName": "Runscope123 Xxxxxxxx123",
            "active": true
        });
        let created = scim
            .send(reqwest::Method::POST, "/Users", None, &[])
            .await;
        assert_eq!(created.status, 400, "a POST without a body is refused");
        let created = app
            .client
            .post(format!("{}/Users", scim.base))
            .header("Authorization", format!("Bearer {}", scim.token))
            .header("Content-Type", "application/json")
            .header("Accept", "application/scim+json; charset=utf-8")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        assert_eq!(created["active"], true);
        assert_eq!(created["userName"], body["userName"]);
        assert_eq!(created["name"], body["name"]);
        assert!(created["schemas"].as_array().unwrap().contains(&json!("urn:ietf:params:scim:schemas:core:2.0:User")));
        let new_id = created["id"].as_str().unwrap();

        // 7. Verify the user was created.
        let fetched = scim.get(&format!("/Users/{new_id}")).await;
        assert_eq!(fetched.body["userName"], body["userName"]);
        assert_eq!(fetched.body["name"]["familyName"], "Xxxxxxxx123");

        // 8. The same user again → 409.
        scim.post("/Users", &body).await.assert_error(409, Some("uniqueness"));

        // 9. The upper-cased userName finds the user.
        let caps = scim.get("/Users?filter=userName%20eq%20%22RUNSCOPE123XXXXXXXX123@ATKO.COM%22").await;
        assert_eq!(caps.status, 200);
        assert_eq!(caps.body["totalResults"], 1);
        assert_eq!(caps.body["Resources"][0]["id"], new_id);

        // 11. A wrong Authorization header → 401 with detail, status "401" and the error schema.
        scim.with_token("non-token").get("/Users?filter=userName%20eq%20%22x%22").await.assert_error(401, None);
        let raw = app
            .client
            .get(format!("{}/Users", scim.base))
            .header("Authorization", "non-token")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), 401);
    }

    async fn okta_import_create_update_deactivate_and_reactivate(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        // Test API Credentials.
        let test = scim.get("/Users?startIndex=1&count=2").await;
        assert_eq!(test.status, 200);
        assert_eq!(test.body["totalResults"], 0);

        // Assign: existence check, then create.
        let check = scim.get("/Users?filter=userName%20eq%20%22jane.doe%40acme.example%22&startIndex=1&count=100").await;
        assert_eq!(check.body["totalResults"], 0);
        let created = scim.post("/Users", &okta_user("jane.doe@acme.example")).await;
        assert_eq!(created.status, 201);
        assert!(created.body.get("password").is_none(), "a password is never returned");
        let id = created.body["id"].as_str().unwrap().to_owned();

        // Profile change: GET, then PUT the same body modified (with id, meta and groups).
        let mut user = scim.get(&format!("/Users/{id}")).await.body;
        user["name"]["familyName"] = json!("Smith");
        user["title"] = json!("Solutions Engineer");
        user["groups"] = json!([]);
        let updated = scim.put(&format!("/Users/{id}"), &user).await;
        assert_eq!(updated.status, 200, "{}", updated.body);
        assert_eq!(updated.body["name"]["familyName"], "Smith");
        assert_eq!(updated.body["title"], "Solutions Engineer");
        assert_eq!(updated.body["id"], id.as_str());

        // Deactivate: the user stays readable with active false.
        let off = scim.patch(&format!("/Users/{id}"), &deactivate()).await;
        assert_eq!(off.status, 200);
        assert_eq!(off.body["active"], false);
        assert_eq!(scim.get(&format!("/Users/{id}")).await.body["active"], false);
        let listed = scim.get("/Users?filter=userName%20eq%20%22jane.doe%40acme.example%22").await;
        assert_eq!(listed.body["Resources"][0]["active"], false);

        // Reactivate.
        let on = scim.patch(&format!("/Users/{id}"), &reactivate()).await;
        assert_eq!(on.body["active"], true);

        // Import: pages of 100, in a stable order, every user once.
        for n in 0..230 {
            scim.create_user(&format!("user{n:03}@acme.example")).await;
        }
        let mut seen = Vec::new();
        let mut start = 1;
        loop {
            let page = scim.get(&format!("/Users?startIndex={start}&count=100")).await;
            assert_eq!(page.body["totalResults"], 231);
            assert_eq!(page.body["startIndex"], start);
            let resources = page.body["Resources"].as_array().unwrap();
            assert_eq!(page.body["itemsPerPage"], resources.len());
            seen.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
            start += 100;
            if start > 231 {
                break;
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 231);
        assert_eq!(unique.len(), 231);
        assert_eq!(seen[0], id, "the oldest user comes first");
    }
}
