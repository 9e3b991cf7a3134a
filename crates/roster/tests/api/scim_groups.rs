//! Groups and memberships as Okta's "Push Groups" drives them, on both engines.

use roster_tenant::{test_on_both_engines, with_pool};
use serde_json::{json, Value};

use crate::{helpers::spawn_app, scim_support::Scim};

fn patch(ops: Value) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
}

pub async fn create_group(scim: &Scim, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
    let reply = scim
        .post("/Groups", &json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members }))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_owned()
}

pub async fn member_ids(scim: &Scim, group: &str) -> Vec<String> {
    let reply = scim.get(&format!("/Groups/{group}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut ids: Vec<String> = reply.body["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

test_on_both_engines! {
    async fn okta_pushes_a_group_finds_it_by_name_and_a_duplicate_name_is_409(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let created = scim.post("/Groups", &json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": [] })).await;
        assert_eq!(created.status, 201);
        assert_eq!(created.body["meta"]["resourceType"], "Group");
        assert_eq!(created.headers["location"], created.body["meta"]["location"].as_str().unwrap());
        let id = created.body["id"].as_str().unwrap();
        let found = scim.get("/Groups?filter=displayName%20eq%20%22engineering%22").await;
        assert_eq!(found.body["totalResults"], 1);
        assert_eq!(found.body["Resources"][0]["id"], id);
        scim.post("/Groups", &json!({ "displayName": "ENGINEERING" })).await.assert_error(409, Some("uniqueness"));
        scim.post("/Groups", &json!({ "displayName": "" })).await.assert_error(400, Some("invalidValue"));
        let other = app.scim_tenant("globex").await;
        assert_eq!(other.post("/Groups", &json!({ "displayName": "Engineering" })).await.status, 201);
    }

    async fn okta_membership_updates_and_renames_answer_200_with_the_group(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let bob = scim.create_user("bob@acme.example").await;
        let cat = scim.create_user("cat@acme.example").await;
        let group = create_group(&scim, "Engineering", &[]).await;
        let path = format!("/Groups/{group}");

        let added = scim.patch(&path, &patch(json!([
            { "op": "add", "path": "members", "value": [{ "value": ann, "display": "ann@acme.example" }, { "value": bob, "display": "bob@acme.example" }] }
        ]))).await;
        assert_eq!(added.status, 200, "{}", added.body);
        assert_eq!(added.body["members"].as_array().unwrap().len(), 2);
        assert_eq!(member_ids(&scim, &group).await, sorted(&[ann.clone(), bob.clone()]));

        // Okta re-sends the name on every membership update, with the read-only id.
        let removed = scim.patch(&path, &patch(json!([
            { "op": "replace", "value": { "id": group, "displayName": "Engineering" } },
            { "op": "remove", "path": format!("members[value eq \"{ann}\"]") }
        ]))).await;
        assert_eq!(removed.status, 200, "{}", removed.body);
        assert_eq!(member_ids(&scim, &group).await, vec![bob.clone()]);

        let replaced = scim.patch(&path, &patch(json!([{ "op": "replace", "path": "members", "value": [{ "value": cat }, { "value": ann }] }]))).await;
        assert_eq!(replaced.status, 200);
        assert_eq!(member_ids(&scim, &group).await, sorted(&[ann.clone(), cat.clone()]));

        let renamed = scim.send(reqwest::Method::PATCH, &format!("{path}?excludedAttributes=members"),
            Some(&patch(json!([{ "op": "replace", "value": { "id": group, "displayName": "Platform Engineering" } }]))), &[]).await;
        assert_eq!(renamed.status, 200);
        assert_eq!(renamed.body["displayName"], "Platform Engineering");
        assert!(renamed.body.get("members").is_none(), "members were asked to be left out");
        assert_eq!(renamed.body["id"], group.as_str());

        // A user's groups attribute lists its groups.
        let user = scim.get(&format!("/Users/{ann}")).await;
        assert_eq!(user.body["groups"][0]["value"], group.as_str());
        assert_eq!(user.body["groups"][0]["display"], "Platform Engineering");
        let lone = scim.get(&format!("/Users/{bob}")).await;
        assert!(lone.body.get("groups").is_none());
    }

    async fn every_way_of_reading_users_shows_the_same_groups_by_name(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let bob = scim.create_user("bob@acme.example").await;
        // Names that hold the separators and multi-byte characters a packed list could trip on.
        let tricky = create_group(&scim, "R&D: Platform 12:34", &[&ann]).await;
        let unicode = create_group(&scim, "Zoë 山田 🙂", &[&ann]).await;
        let early = create_group(&scim, "a:b", &[&ann]).await;
        let expected = json!([
            { "value": early, "display": "a:b" },
            { "value": tricky, "display": "R&D: Platform 12:34" },
            { "value": unicode, "display": "Zoë 山田 🙂" },
        ]);
        let groups = |user: &Value| -> Value {
            user.get("groups").map_or(Value::Null, |groups| {
                Value::Array(groups.as_array().unwrap().iter()
                    .map(|g| json!({ "value": g["value"], "display": g["display"] }))
                    .collect())
            })
        };
        let of = |page: &Value, id: &str| -> Value {
            page["Resources"].as_array().unwrap().iter()
                .find(|u| u["id"] == id).cloned().unwrap_or(Value::Null)
        };

        assert_eq!(groups(&scim.get(&format!("/Users/{ann}")).await.body), expected);
        for path in [
            "/Users",                                              // a page in creation order
            "/Users?sortBy=userName&sortOrder=descending",         // a page by userName
            "/Users?filter=userName%20eq%20%22ann@acme.example%22", // answered from an index
            "/Users?filter=userName%20co%20%22acme%22",            // answered by a scan
        ] {
            let page = scim.get(path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            assert_eq!(groups(&of(&page.body, &ann)), expected, "{path}");
            if path != "/Users?filter=userName%20eq%20%22ann@acme.example%22" {
                let lone = of(&page.body, &bob);
                assert_eq!(lone["userName"], "bob@acme.example", "{path}");
                assert!(lone.get("groups").is_none(), "{path}: {lone}");
            }
        }
        let searched = scim.post("/Users/.search", &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "emails.value eq \"ann@acme.example\""
        })).await;
        assert_eq!(searched.status, 200, "{}", searched.body);
        assert_eq!(groups(&of(&searched.body, &ann)), expected);
    }

    async fn a_members_display_is_its_users_current_user_name(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let group = create_group(&scim, "Engineering", &[&ann]).await;
        let display = |body: &Value| body["members"][0]["display"].as_str().unwrap_or_default().to_owned();
        assert_eq!(display(&scim.get(&format!("/Groups/{group}")).await.body), "ann@acme.example");

        // Okta renames a user with a PATCH; a PUT may rename too. Every member list follows.
        let renamed = scim.patch(&format!("/Users/{ann}"), &patch(json!([
            { "op": "replace", "value": { "userName": "ann.lee@acme.example" } }
        ]))).await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(display(&scim.get(&format!("/Groups/{group}")).await.body), "ann.lee@acme.example");
        let mut user = scim.get(&format!("/Users/{ann}")).await.body;
        user["userName"] = json!("ann.b@acme.example");
        assert_eq!(scim.put(&format!("/Users/{ann}"), &user).await.status, 200);
        let listed = scim.get("/Groups?filter=displayName%20eq%20%22Engineering%22").await;
        assert_eq!(display(&listed.body["Resources"][0]), "ann.b@acme.example");

        // A member added after the rename shows the new name too.
        let other = create_group(&scim, "Everyone", &[&ann]).await;
        assert_eq!(display(&scim.get(&format!("/Groups/{other}")).await.body), "ann.b@acme.example");
    }

    async fn put_replaces_name_and_members(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let bob = scim.create_user("bob@acme.example").await;
        let group = create_group(&scim, "Sales", &[&ann]).await;
        let reply = scim.put(&format!("/Groups/{group}"), &json!({ "displayName": "Sales EMEA", "members": [{ "value": bob }] })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.body["displayName"], "Sales EMEA");
        assert_eq!(member_ids(&scim, &group).await, vec![bob]);
    }

    async fn unknown_or_foreign_members_are_400_naming_them_and_nothing_is_applied(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let globex = app.scim_tenant("globex").await;
        let foreign = globex.create_user("spy@globex.example").await;
        let ann = scim.create_user("ann@acme.example").await;
        let group = create_group(&scim, "Engineering", &[&ann]).await;
        let before = scim.get(&format!("/Groups/{group}")).await.body;
        let reply = scim.patch(&format!("/Groups/{group}"), &patch(json!([
            { "op": "replace", "value": { "displayName": "Renamed" } },
            { "op": "remove", "path": format!("members[value eq \"{ann}\"]") },
            { "op": "add", "path": "members", "value": [{ "value": "no-such-user" }, { "value": foreign }] }
        ]))).await;
        reply.assert_error(400, Some("invalidValue"));
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("no-such-user") && detail.contains(&foreign), "{detail}");
        assert_eq!(scim.get(&format!("/Groups/{group}")).await.body, before, "nothing of the request was applied");
        let refused = scim.post("/Groups", &json!({ "displayName": "New", "members": [{ "value": foreign }] })).await;
        refused.assert_error(400, Some("invalidValue"));
        assert_eq!(scim.get("/Groups?filter=displayName%20eq%20%22New%22").await.body["totalResults"], 0);
    }

    async fn deleting_a_user_removes_its_memberships_and_deleting_a_group_keeps_its_users(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let bob = scim.create_user("bob@acme.example").await;
        let group = create_group(&scim, "Engineering", &[&ann, &bob]).await;
        assert_eq!(scim.delete(&format!("/Users/{ann}")).await.status, 204);
        assert_eq!(member_ids(&scim, &group).await, vec![bob.clone()]);
        assert_eq!(scim.delete(&format!("/Groups/{group}")).await.status, 204);
        scim.get(&format!("/Groups/{group}")).await.assert_error(404, None);
        scim.delete(&format!("/Groups/{group}")).await.assert_error(404, None);
        assert_eq!(scim.get(&format!("/Users/{bob}")).await.status, 200);
        assert!(scim.get(&format!("/Users/{bob}")).await.body.get("groups").is_none());
    }

    async fn groups_are_listed_paged_filtered_and_without_members_on_request(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let with_ann = [ann.as_str()];
        for n in 0..5 {
            let members: &[&str] = if n == 3 { &with_ann } else { &[] };
            create_group(&scim, &format!("Team {n}"), members).await;
        }
        let all = scim.get("/Groups").await;
        assert_eq!(all.body["totalResults"], 5);
        assert!(all.body["Resources"].as_array().unwrap().iter().all(|g| g["members"].is_array()));
        let page = scim.get("/Groups?startIndex=5&count=2").await;
        assert_eq!(page.body["itemsPerPage"], 1);
        for beyond in ["/Groups?startIndex=50", "/Groups?count=0", "/Groups?excludedAttributes=members&startIndex=6"] {
            let empty = scim.get(beyond).await;
            assert_eq!(empty.body["totalResults"], 5, "{beyond}");
            assert_eq!(empty.body["itemsPerPage"], 0, "{beyond}");
        }
        assert_eq!(page.body["Resources"][0]["displayName"], "Team 4");
        let lean = scim.get("/Groups?excludedAttributes=members").await;
        assert!(lean.body["Resources"].as_array().unwrap().iter().all(|g| g.get("members").is_none()));
        let mine = scim.get(&format!("/Groups?filter=members.value%20eq%20%22{ann}%22")).await;
        assert_eq!(mine.body["totalResults"], 1);
        assert_eq!(mine.body["Resources"][0]["displayName"], "Team 3");
        let single = scim.get(&format!("/Groups/{}?excludedAttributes=members", mine.body["Resources"][0]["id"].as_str().unwrap())).await;
        assert!(single.body.get("members").is_none());
        let named = scim.get("/Groups?filter=displayName%20sw%20%22team%22&sortBy=displayName&sortOrder=descending&count=2").await;
        assert_eq!(named.body["totalResults"], 5);
        assert_eq!(named.body["Resources"][0]["displayName"], "Team 4");
    }

    async fn members_have_their_full_shape_and_follow_attribute_projections(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let ann = scim.create_user("ann@acme.example").await;
        let group = create_group(&scim, "Engineering", &[&ann]).await;
        let path = format!("/Groups/{group}");
        let whole = scim.get(&path).await;
        let member = &whole.body["members"][0];
        assert_eq!(member["value"], ann.as_str());
        assert_eq!(member["display"], "ann@acme.example");
        assert_eq!(member["type"], "User");
        assert!(member["$ref"].as_str().unwrap().ends_with(&format!("/scim/v2/acme/Users/{ann}")), "{member}");
        let listed = scim.get("/Groups").await;
        assert_eq!(listed.body["Resources"][0]["members"], whole.body["members"]);

        for query in ["attributes=members.value", "attributes=members.value,displayName"] {
            for reply in [scim.get(&format!("{path}?{query}")).await, scim.get(&format!("/Groups?{query}")).await] {
                let body = if reply.body["Resources"].is_array() { reply.body["Resources"][0].clone() } else { reply.body.clone() };
                assert_eq!(body["members"], json!([{ "value": ann }]), "{query}: {body}");
                assert_eq!(body["id"], group.as_str());
            }
        }
        let no_display = scim.get(&format!("{path}?excludedAttributes=members.display")).await;
        assert_eq!(no_display.body["members"][0]["value"], ann.as_str());
        assert!(no_display.body["members"][0].get("display").is_none(), "{}", no_display.body);
        assert_eq!(no_display.body["displayName"], "Engineering");
        let name_only = scim.get("/Groups?attributes=displayName").await;
        assert!(name_only.body["Resources"][0].get("members").is_none());
        assert_eq!(name_only.body["Resources"][0]["displayName"], "Engineering");
        let members_only = scim.get(&format!("{path}?attributes=members")).await;
        assert_eq!(members_only.body["members"], whole.body["members"]);
        assert!(members_only.body.get("displayName").is_none());
    }

    async fn concurrent_single_member_adds_and_removes_lose_nothing_and_duplicate_nothing(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let mut users = Vec::new();
        for n in 0..200 {
            users.push(scim.create_user(&format!("u{n}@acme.example")).await);
        }
        let first_half: Vec<&str> = users[..100].iter().map(String::as_str).collect();
        let group = create_group(&scim, "Everyone", &first_half).await;
        let path = format!("/Groups/{group}");
        let scim = std::sync::Arc::new(scim);
        let mut tasks = Vec::new();
        for (n, user) in users.iter().enumerate() {
            let scim = scim.clone();
            let path = path.clone();
            let op = if n < 100 {
                json!([{ "op": "remove", "path": format!("members[value eq \"{user}\"]") }])
            } else {
                json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }])
            };
            tasks.push(tokio::spawn(async move { scim.patch(&path, &patch(op)).await.status }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 200);
        }
        assert_eq!(member_ids(&scim, &group).await, sorted(&users[100..]));
        let rows: i64 = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select count(*) from scim_memberships").fetch_one(pool).await.unwrap()
        });
        assert_eq!(rows, 100, "no duplicate membership rows");
    }

    async fn a_patch_of_ten_thousand_members_is_applied_whole_or_not_at_all(database) {
        let app = spawn_app(&database).await;
        let scim = app.scim_tenant("acme").await;
        let tenant = app.tenancy.tenant("acme").await.unwrap();
        let ids: Vec<String> = (0..10_000).map(|n| format!("seed-{n:05}")).collect();
        with_pool!(app.tenancy.db(), pool => {
            let mut tx = pool.begin().await.unwrap();
            for id in &ids {
                sqlx::query("insert into scim_users (tenant_id, id, user_name, user_name_lower, active, doc, version, created_at, updated_at) \
                             values ($1, $2, $2, $2, true, $3, 1, $4, $4)")
                    .bind(&tenant.id).bind(id)
                    .bind(sqlx::types::Json(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": id})))
                    .bind(chrono::Utc::now())
                    .execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        });
        let group = create_group(&scim, "Everyone", &[]).await;
        let mut members: Vec<Value> = ids.iter().map(|id| json!({ "value": id })).collect();
        members.push(json!({ "value": "ghost" }));
        let refused = scim.patch(&format!("/Groups/{group}"), &patch(json!([{ "op": "add", "path": "members", "value": members }]))).await;
        refused.assert_error(400, Some("invalidValue"));
        assert!(refused.body["detail"].as_str().unwrap().contains("ghost"));
        assert!(member_ids(&scim, &group).await.is_empty());
        members.pop();
        let applied = scim.send(reqwest::Method::PATCH, &format!("/Groups/{group}?excludedAttributes=members"),
            Some(&patch(json!([{ "op": "add", "path": "members", "value": members }]))), &[]).await;
        assert_eq!(applied.status, 200, "{}", applied.body);
        assert_eq!(member_ids(&scim, &group).await.len(), 10_000);
    }

    async fn one_tenant_never_reaches_another_tenants_groups(database) {
        let app = spawn_app(&database).await;
        let acme = app.scim_tenant("acme").await;
        let globex = app.scim_tenant("globex").await;
        let theirs = create_group(&globex, "Secret Team", &[]).await;
        acme.get(&format!("/Groups/{theirs}")).await.assert_error(404, None);
        acme.patch(&format!("/Groups/{theirs}"), &patch(json!([{ "op": "replace", "value": { "displayName": "Mine" } }]))).await.assert_error(404, None);
        acme.put(&format!("/Groups/{theirs}"), &json!({ "displayName": "Mine" })).await.assert_error(404, None);
        acme.delete(&format!("/Groups/{theirs}")).await.assert_error(404, None);
        assert_eq!(acme.get("/Groups").await.body["totalResults"], 0);
        assert_eq!(acme.get("/Groups?filter=displayName%20eq%20%22Secret%20Team%22").await.body["totalResults"], 0);
        assert_eq!(globex.get(&format!("/Groups/{theirs}")).await.body["displayName"], "Secret Team");
    }
}

/// PostgreSQL has no statistics of a table until autovacuum's first pass, a minute or so after
/// a bulk load; until then it takes a freshly pushed 50,000-member group for nearly empty and
/// reads all of it to remove a few hundred members. A bulk membership write has them gathered
/// at once; small writes leave it to autovacuum.
#[tokio::test]
async fn on_postgres_a_bulk_membership_write_has_statistics_gathered_at_once() {
    let Some(database) = roster_tenant::testing::TestDatabase::postgres().await else {
        return;
    };
    let app = spawn_app(&database).await;
    let scim = app.scim_tenant("acme").await;
    let tenant = app.tenancy.tenant("acme").await.unwrap();
    let ids: Vec<String> = (0..600).map(|n| format!("seed-{n:03}")).collect();
    let statistics = || async {
        let n: i64 = with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select count(*) from pg_stats where tablename = 'scim_memberships' and attname = 'group_id'")
                .fetch_one(pool).await.unwrap()
        });
        n
    };
    with_pool!(app.tenancy.db(), pool => {
        // Only Roster may analyse here, so that the test shows what Roster does.
        sqlx::query("alter table scim_memberships set (autovacuum_enabled = false)").execute(pool).await.unwrap();
        for id in &ids {
            sqlx::query("insert into scim_users (tenant_id, id, user_name, user_name_lower, active, doc, version, created_at, updated_at) \
                         values ($1, $2, $2, $2, true, '{}', 1, now(), now())")
                .bind(&tenant.id).bind(id).execute(pool).await.unwrap();
        }
    });
    let few: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
    create_group(&scim, "Admins", &few).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(
        statistics().await,
        0,
        "a small write leaves statistics to autovacuum"
    );

    let group = create_group(&scim, "Everyone", &[]).await;
    let members: Vec<Value> = ids.iter().map(|id| json!({ "value": id })).collect();
    let pushed = scim
        .send(
            reqwest::Method::PATCH,
            &format!("/Groups/{group}?excludedAttributes=members"),
            Some(&patch(
                json!([{ "op": "add", "path": "members", "value": members }]),
            )),
            &[],
        )
        .await;
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    crate::helpers::eventually(10, "statistics of memberships", || async {
        (statistics().await > 0).then_some(())
    })
    .await;
}
