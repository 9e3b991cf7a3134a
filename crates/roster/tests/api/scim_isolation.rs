//! Tenant A's token never reads, lists, changes or learns of tenant B's users.

use roster_tenant::test_on_both_engines;
use serde_json::json;

use crate::{helpers::spawn_app, scim_support::deactivate};

test_on_both_engines! {
    async fn one_tenant_never_reaches_another_tenants_users(database) {
        let app = spawn_app(&database).await;
        let acme = app.scim_tenant("acme").await;
        let globex = app.scim_tenant("globex").await;
        let theirs = globex.create_user("secret.agent@globex.example").await;
        let before = globex.get(&format!("/Users/{theirs}")).await.body;

        // Through its own URL, acme finds nothing of globex.
        acme.get(&format!("/Users/{theirs}")).await.assert_error(404, None);
        acme.put(&format!("/Users/{theirs}"), &crate::scim_support::okta_user("x@acme.example")).await.assert_error(404, None);
        acme.patch(&format!("/Users/{theirs}"), &deactivate()).await.assert_error(404, None);
        acme.delete(&format!("/Users/{theirs}")).await.assert_error(404, None);
        let listed = acme.get("/Users").await;
        assert_eq!(listed.body["totalResults"], 0);
        for filter in ["userName%20eq%20%22secret.agent@globex.example%22", "userName%20co%20%22globex%22",
                       "emails.value%20eq%20%22secret.agent@globex.example%22"] {
            assert_eq!(acme.get(&format!("/Users?filter={filter}")).await.body["totalResults"], 0, "{filter}");
        }
        let by_id = acme.get(&format!("/Users?filter=id%20eq%20%22{theirs}%22")).await;
        assert_eq!(by_id.body["totalResults"], 0);
        let search = acme.post("/Users/.search", &json!({"filter": "userName pr"})).await;
        assert_eq!(search.body["totalResults"], 0);

        // Through globex's URL, acme's token is refused.
        globex.with_token(&acme.token).get(&format!("/Users/{theirs}")).await.assert_error(401, None);

        // Acme may use the same userName; globex's user is untouched by all of this.
        assert_eq!(acme.post("/Users", &crate::scim_support::okta_user("secret.agent@globex.example")).await.status, 201);
        assert_eq!(globex.get(&format!("/Users/{theirs}")).await.body, before);
        assert_eq!(globex.get("/Users").await.body["totalResults"], 1);
    }
}
