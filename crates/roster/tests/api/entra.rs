//! Microsoft Entra ID's dialect, request shape by request shape, on both engines.

use roster_tenant::test_on_both_engines;
use serde_json::{json, Value};

use crate::{
    helpers::spawn_app,
    scim_groups::{create_group, member_ids},
};

fn patch(ops: Value) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

test_on_both_engines! {
    async fn entra_user_patches_in_its_own_dialect_work(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        // Entra appends a feature flag to the base URL.
        let created = scim.send(reqwest::Method::POST, "/Users?aadOptscim062020", Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": "e1", "userName": "Test_User_1@contoso.example", "active": true,
            "displayName": "Test User", "name": { "givenName": "Test", "familyName": "User" },
            "emails": [{ "primary": true, "type": "work", "value": "Test_User_1@contoso.example" }]
        })), &[]).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let manager = scim.create_user("boss@contoso.example").await;
        let path = format!("/Users/{id}?aadOptscim062020");

        let reply = scim.patch(&path, &patch(json!([
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.example" },
            { "op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond" },
            { "op": "Replace", "value": {
                "name.givenName": "Updated", "displayName": "Updated User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
                "active": "False" } },
            { "op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": { "value": manager } }
        ]))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let user = scim.get(&format!("/Users/{id}")).await.body;
        assert_eq!(user["emails"].as_array().unwrap().len(), 1, "the work email was replaced, not added");
        assert_eq!(user["emails"][0]["value"], "updated@contoso.example");
        assert_eq!(user["addresses"][0]["type"], "work", "the missing element was created");
        assert_eq!(user["addresses"][0]["locality"], "Redmond");
        assert_eq!(user["name"]["givenName"], "Updated");
        assert_eq!(user[ENTERPRISE]["employeeNumber"], "42");
        assert_eq!(user[ENTERPRISE]["manager"]["value"], manager.as_str());
        assert_eq!(user["active"], false);

        let replaced = scim.patch(&path, &patch(json!([{ "op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": "other-manager" }]))).await;
        assert_eq!(replaced.status, 200, "{}", replaced.body);
        assert_eq!(replaced.body[ENTERPRISE]["manager"]["value"], "other-manager");
        let removed = scim.patch(&path, &patch(json!([{ "op": "Remove", "path": format!("{ENTERPRISE}:manager") }]))).await;
        assert_eq!(removed.status, 200);
        assert!(removed.body[ENTERPRISE].get("manager").is_none(), "{}", removed.body);

        let renamed = scim.patch(&path, &patch(json!([{ "op": "Replace", "value": { "userName": "renamed@contoso.example", "active": "True" } }]))).await;
        assert_eq!(renamed.body["userName"], "renamed@contoso.example");
        assert_eq!(renamed.body["active"], true);

        // Filters in another letter case.
        let found = scim.get("/Users?filter=USERNAME%20EQ%20%22RENAMED@CONTOSO.EXAMPLE%22&aadOptscim062020").await;
        assert_eq!(found.body["totalResults"], 1);
        let empty = scim.patch(&path, &patch(json!([]))).await;
        assert_eq!(empty.status, 200, "the validator's empty PATCH is a no-op");
    }

    async fn entra_group_shapes_work(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@contoso.example").await;
        let bob = scim.create_user("bob@contoso.example").await;
        let cat = scim.create_user("cat@contoso.example").await;
        let group = create_group(&scim, "Contoso Sales", &[]).await;
        let path = format!("/Groups/{group}?aadOptscim062020");
        let added = scim.patch(&path, &patch(json!([{ "op": "Add", "path": "members", "value": [{ "value": ann }, { "value": bob }, { "value": cat }] }]))).await;
        assert_eq!(added.status, 200, "{}", added.body);
        // Entra removes with a value list: only those go.
        let removed = scim.patch(&path, &patch(json!([{ "op": "Remove", "path": "members", "value": [{ "value": ann }] }]))).await;
        assert_eq!(removed.status, 200, "{}", removed.body);
        let mut left = vec![bob.clone(), cat.clone()];
        left.sort();
        assert_eq!(member_ids(&scim, &group).await, left);
        let attributes = scim.patch(&path, &patch(json!([{ "op": "Replace", "value": { "externalId": "sales-1", "displayName": "Contoso Sales EMEA" } }]))).await;
        assert_eq!(attributes.body["externalId"], "sales-1");
        assert_eq!(attributes.body["displayName"], "Contoso Sales EMEA");
        let by_name = scim.get("/Groups?filter=DisplayName%20Eq%20%22contoso%20sales%20emea%22&excludedAttributes=members").await;
        assert_eq!(by_name.body["totalResults"], 1);
        assert!(by_name.body["Resources"][0].get("members").is_none());
        let by_external = scim.get("/Groups?filter=externalId%20eq%20%22sales-1%22").await;
        assert_eq!(by_external.body["totalResults"], 1);
        scim.post("/Groups", &json!({ "displayName": "contoso sales emea" })).await.assert_error(409, Some("uniqueness"));
        let bad = scim.patch(&path, &patch(json!([{ "op": "Remove", "path": "members[value eq" }]))).await;
        bad.assert_error(400, Some("invalidPath"));
        let unsupported = scim.patch(&path, &patch(json!([{ "op": "Copy", "path": "members" }]))).await;
        assert_eq!(unsupported.status, 400);
        assert_eq!(member_ids(&scim, &group).await, left, "refused requests change nothing");
    }
}
