#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;
use crate::proto::schema::{ENTERPRISE_USER_URN, GROUP, USER};
use crate::proto::ScimType;
use proptest::prelude::*;
use serde_json::json;

fn request(ops: Value) -> PatchRequest {
    PatchRequest::from_json(json!({"schemas": [PATCH_OP_URN], "Operations": ops})).unwrap()
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [{"type": "home", "locality": "Hollywood"}],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"}
    })
}

fn patched(resource: Value, schema: &ResourceSchema, ops: Value) -> Value {
    let mut r = resource;
    apply(&mut r, &request(ops), schema).unwrap_or_else(|e| panic!("{e}"));
    r
}

fn patch_error(resource: Value, schema: &ResourceSchema, ops: Value) -> ScimError {
    let mut r = resource.clone();
    let e = apply(&mut r, &request(ops), schema).expect_err("should fail");
    assert_eq!(
        r, resource,
        "a failed PATCH must leave the resource unchanged"
    );
    e
}

// --- the request message ---

#[test]
fn op_names_are_accepted_in_any_case() {
    let r = request(json!([
        {"op": "Add", "path": "title", "value": "x"},
        {"op": "replace", "path": "title", "value": "y"},
        {"op": "REMOVE", "path": "title"}
    ]));
    let kinds: Vec<_> = r.operations.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
    );
}

#[test]
fn an_unknown_op_is_an_invalid_syntax_error() {
    let e = PatchRequest::from_json(json!({
        "schemas": [PATCH_OP_URN], "Operations": [{"op": "merge", "value": {}}]
    }));
    assert_eq!(
        e.err().and_then(|e| e.scim_type),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn a_body_without_the_patch_op_schema_is_an_invalid_syntax_error() {
    for body in [
        json!({"Operations": []}),
        json!({"schemas": ["urn:x"], "Operations": []}),
        json!({"schemas": [PATCH_OP_URN]}),
        json!([1]),
    ] {
        let e = PatchRequest::from_json(body);
        assert_eq!(
            e.err().and_then(|e| e.scim_type),
            Some(ScimType::InvalidSyntax)
        );
    }
    let e = PatchRequest::from_slice(b"{not json");
    assert_eq!(
        e.err().and_then(|e| e.scim_type),
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn a_patch_request_deserializes_through_serde_too() {
    let r: PatchRequest = serde_json::from_value(json!({
        "schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "path": "title", "value": "x"}]
    }))
    .unwrap();
    assert_eq!(r.operations.len(), 1);
    assert_eq!(PatchRequest::from_json(r.to_json()).unwrap(), r);
}

#[test]
fn empty_operations_change_nothing() {
    assert_eq!(patched(user(), &USER, json!([])), user());
}

// --- RFC 7644 §3.5.2 examples ---

#[test]
fn rfc_add_of_members_appends_to_the_group() {
    let group = json!({"displayName": "Tour Guides", "members": [{"value": "a"}]});
    let g = patched(
        group,
        &GROUP,
        json!([{
            "op": "add", "path": "members",
            "value": [{"display": "Babs Jensen",
                       "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                       "value": "2819c223-7f76-453a-919d-413861904646"}]
        }]),
    );
    assert_eq!(g["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(g["members"][1]["display"], "Babs Jensen");
}

#[test]
fn rfc_path_less_add_merges_attributes_and_canonicalises_names() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "add",
            "value": {"emails": [{"value": "babs@jensen.org", "type": "home"},
                                 {"value": "b@new.org", "type": "other"}],
                      "nickname": "Babs"}
        }]),
    );
    assert_eq!(u["nickName"], "Babs");
    assert!(u.get("nickname").is_none());
    assert_eq!(
        u["emails"].as_array().map(Vec::len),
        Some(3),
        "no duplicate home email"
    );
}

#[test]
fn rfc_remove_of_one_member_by_filter() {
    let group = json!({"displayName": "g", "members": [
        {"value": "2819c223-7f76-453a-919d-413861904646"}, {"value": "other"}]});
    let g = patched(
        group,
        &GROUP,
        json!([{
            "op": "remove", "path": "members[value eq\"2819c223-7f76-453a-919d-413861904646\"]"
        }]),
    );
    assert_eq!(g["members"], json!([{"value": "other"}]));
}

#[test]
fn rfc_remove_of_all_members() {
    let group = json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}]});
    let g = patched(group, &GROUP, json!([{"op": "remove", "path": "members"}]));
    assert!(g.get("members").is_none());
}

#[test]
fn entra_remove_of_members_with_a_value_list_removes_only_those() {
    let group = json!({"displayName": "g", "members": [{"value": "a"}, {"value": "b"}]});
    let g = patched(
        group,
        &GROUP,
        json!([{
            "op": "Remove", "path": "members", "value": [{"$ref": null, "value": "a"}]
        }]),
    );
    assert_eq!(g["members"], json!([{"value": "b"}]));
}

#[test]
fn a_patched_user_prepares_back_to_a_canonical_document() {
    let u = patched(
        user(),
        &USER,
        json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:roster:2.0:User:managementLevel",
             "value": "sr director"}
        ]),
    );
    let prepared = crate::proto::user::prepare_user(u).unwrap();
    assert_eq!(prepared["active"], false);
    assert_eq!(
        prepared["urn:ietf:params:scim:schemas:extension:roster:2.0:User"],
        json!({"managementLevel": "Sr. Director", "language": "en-US"})
    );
}

#[test]
fn rfc_remove_of_emails_matching_a_compound_filter() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"
        }]),
    );
    assert_eq!(
        u["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn rfc_replace_of_members_replaces_the_set() {
    let group = json!({"displayName": "g", "members": [{"value": "a"}]});
    let g = patched(
        group,
        &GROUP,
        json!([{
            "op": "replace", "path": "members",
            "value": [{"display": "Babs", "value": "b"}, {"display": "James", "value": "c"}]
        }]),
    );
    assert_eq!(
        g["members"],
        json!([{"display": "Babs", "value": "b"}, {"display": "James", "value": "c"}])
    );
}

#[test]
fn rfc_replace_of_a_filtered_address_and_of_its_sub_attribute() {
    let u = patched(
        user(),
        &USER,
        json!([
            {"op": "replace", "path": "addresses[type eq \"work\"]",
             "value": {"type": "work", "streetAddress": "911 Universal City Plaza",
                       "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                       "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                       "primary": true}},
            {"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}
        ]),
    );
    let addresses = u["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 2, "the home address is kept");
    assert_eq!(addresses[1]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(addresses[1]["postalCode"], "91608");
}

#[test]
fn rfc_path_less_replace_replaces_multi_valued_sets() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "replace",
            "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                      "nickname": "Babs"}
        }]),
    );
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(1));
    assert_eq!(u["nickName"], "Babs");
}

// --- Okta shapes ---

#[test]
fn okta_deactivation_is_a_path_less_replace_of_active() {
    let u = patched(
        user(),
        &USER,
        json!([{"op": "replace", "value": {"active": false}}]),
    );
    assert_eq!(u["active"], false);
}

#[test]
fn okta_group_rename_ignores_the_read_only_id_in_the_value() {
    let group = json!({"id": "g1", "displayName": "old"});
    let g = patched(
        group,
        &GROUP,
        json!([{
            "op": "replace", "value": {"id": "something-else", "displayName": "new"}
        }]),
    );
    assert_eq!(g, json!({"id": "g1", "displayName": "new"}));
}

#[test]
fn read_only_attributes_in_a_path_less_user_value_are_ignored() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "replace", "value": {"id": "x", "meta": {"created": "x"}, "groups": [], "title": "t"}
        }]),
    );
    assert_eq!(u["id"], "2819c223");
    assert_eq!(u["meta"], user()["meta"]);
    assert!(u.get("groups").is_none());
    assert_eq!(u["title"], "t");
}

#[test]
fn a_path_that_targets_a_read_only_attribute_is_a_mutability_error() {
    for path in ["id", "meta", "groups", "meta.created"] {
        let e = patch_error(
            user(),
            &USER,
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::Mutability), "{path}");
    }
    let e = patch_error(
        json!({"id": "g"}),
        &GROUP,
        json!([{"op": "remove", "path": "id"}]),
    );
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
}

#[test]
fn passwords_are_never_written() {
    let u = patched(
        user(),
        &USER,
        json!([
            {"op": "replace", "value": {"password": "hunter2"}},
            {"op": "replace", "path": "password", "value": "hunter2"}
        ]),
    );
    assert!(u.get("password").is_none());
}

// --- Entra shapes ---

#[test]
fn entra_disables_a_user_with_the_string_false() {
    let u = patched(
        user(),
        &USER,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(u["active"], false);
}

#[test]
fn entra_adds_a_work_email_that_does_not_exist_yet_by_creating_it() {
    let u = json!({"userName": "u"});
    let u = patched(
        u,
        &USER,
        json!([
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "u@example.com"},
            {"op": "Add", "path": "emails[type eq \"work\"].primary", "value": "True"}
        ]),
    );
    assert_eq!(
        u["emails"],
        json!([{"type": "work", "value": "u@example.com", "primary": true}])
    );
}

#[test]
fn a_filtered_replace_changes_only_the_matching_element() {
    let u = patched(
        user(),
        &USER,
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}
        ]),
    );
    assert_eq!(u["emails"][0]["value"], "new@example.com");
    assert_eq!(
        u["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home"})
    );
}

#[test]
fn a_filter_that_does_not_describe_an_element_cannot_create_one() {
    let e = patch_error(
        user(),
        &USER,
        json!([
            {"op": "replace", "path": "emails[type ne \"work\" and type ne \"home\"].value", "value": "x"}
        ]),
    );
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
    let e = patch_error(
        user(),
        &USER,
        json!([
            {"op": "replace", "path": "emails[value co \"zzz\"].type", "value": "x"}
        ]),
    );
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn entra_path_less_replace_with_dotted_and_urn_keys() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "replace",
            "value": {
                "name.givenName": "Babs",
                "name.familyName": "J",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": {"value": "m1"},
                "externalId": "ext"
            }
        }]),
    );
    assert_eq!(u["name"], json!({"givenName": "Babs", "familyName": "J"}));
    assert_eq!(
        u[ENTERPRISE_USER_URN],
        json!({"employeeNumber": "42", "manager": {"value": "m1"}})
    );
    assert_eq!(u["externalId"], "ext");
}

#[test]
fn an_extension_urn_key_holding_an_object_is_merged_into_the_extension() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "add",
            "value": {
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Department": "Sales"},
                "urn:acme:params:2.0:User": {"badge": "7"}
            }
        }]),
    );
    assert_eq!(u[ENTERPRISE_USER_URN], json!({"department": "Sales"}));
    assert_eq!(u["urn:acme:params:2.0:User"], json!({"badge": "7"}));
}

#[test]
fn entra_adds_replaces_and_removes_the_manager() {
    let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    let u = patched(
        user(),
        &USER,
        json!([{"op": "Add", "path": path, "value": {"value": "m1"}}]),
    );
    assert_eq!(u[ENTERPRISE_USER_URN]["manager"], json!({"value": "m1"}));
    let u = patched(
        u,
        &USER,
        json!([{"op": "Replace", "path": path, "value": {"value": "m2"}}]),
    );
    assert_eq!(u[ENTERPRISE_USER_URN]["manager"], json!({"value": "m2"}));
    let u = patched(u, &USER, json!([{"op": "Remove", "path": path}]));
    assert!(
        u.get(ENTERPRISE_USER_URN).is_none(),
        "an emptied extension disappears"
    );
}

#[test]
fn string_booleans_inside_complex_values_are_coerced() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "add", "path": "roles", "value": [{"value": "admin", "primary": "True"}]
        }]),
    );
    assert_eq!(u["roles"], json!([{"value": "admin", "primary": true}]));
}

#[test]
fn adding_a_primary_email_clears_the_previous_primary() {
    let u = patched(
        user(),
        &USER,
        json!([{
            "op": "add", "path": "emails", "value": [{"value": "x@y.z", "type": "other", "primary": true}]
        }]),
    );
    let primaries: Vec<_> = u["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0]["value"], "x@y.z");
}

#[test]
fn sub_attribute_paths_create_the_complex_parent() {
    let u = patched(
        json!({"userName": "u"}),
        &USER,
        json!([
            {"op": "add", "path": "Name.GivenName", "value": "B"}
        ]),
    );
    assert_eq!(u["name"], json!({"givenName": "B"}));
}

#[test]
fn remove_without_a_path_is_a_no_target_error() {
    let e = patch_error(user(), &USER, json!([{"op": "remove"}]));
    assert_eq!(e.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn removing_a_filtered_value_that_does_not_match_changes_nothing() {
    let u = patched(
        user(),
        &USER,
        json!([{"op": "remove", "path": "emails[type eq \"fax\"]"}]),
    );
    assert_eq!(u, user());
}

#[test]
fn malformed_and_unknown_paths_are_invalid_path_errors() {
    for path in [
        "emails[type eq",
        "shoeSize",
        "name.shoeSize",
        "emails[type eq \"work\"]x",
    ] {
        let e = patch_error(
            user(),
            &USER,
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{path}");
    }
}

#[test]
fn removing_the_required_user_name_is_a_mutability_error() {
    let e = patch_error(user(), &USER, json!([{"op": "remove", "path": "userName"}]));
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
}

#[test]
fn a_failing_operation_leaves_the_resource_unchanged() {
    let e = patch_error(
        user(),
        &USER,
        json!([
            {"op": "replace", "path": "title", "value": "changed"},
            {"op": "replace", "path": "id", "value": "x"}
        ]),
    );
    assert!(e.detail.starts_with("operation 2:"), "{}", e.detail);
}

#[test]
fn paths_and_keys_are_case_insensitive() {
    let u = patched(
        user(),
        &USER,
        json!([
            {"op": "replace", "path": "USERNAME", "value": "new"},
            {"op": "replace", "value": {"DisplayName": "D"}}
        ]),
    );
    assert_eq!(u["userName"], "new");
    assert_eq!(u["displayName"], "D");
}

// --- group planning ---

fn plan(ops: Value) -> GroupPatchPlan {
    plan_group_patch(&request(ops)).unwrap()
}

#[test]
fn okta_membership_patch_becomes_ordered_member_changes() {
    let p = plan(json!([
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "add", "path": "members", "value": [{"value": "u2", "display": "b@x"}, {"value": "u3"}]},
        {"op": "replace", "value": {"id": "g1", "displayName": "Eng"}}
    ]));
    assert_eq!(
        p.member_changes,
        [
            MemberChange::Remove(vec!["u1".into()]),
            MemberChange::Add(vec!["u2".into(), "u3".into()])
        ]
    );
    assert_eq!(p.other.operations.len(), 1);
    assert_eq!(
        p.other.operations[0].value,
        Some(json!({"id": "g1", "displayName": "Eng"}))
    );
}

#[test]
fn entra_remove_with_a_value_list_removes_only_those_members() {
    let p = plan(
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]),
    );
    assert_eq!(p.member_changes, [MemberChange::Remove(vec!["u1".into()])]);
}

#[test]
fn remove_of_members_without_a_value_removes_all() {
    assert_eq!(
        plan(json!([{"op": "remove", "path": "members"}])).member_changes,
        [MemberChange::RemoveAll]
    );
    assert_eq!(
        plan(json!([{"op": "remove", "path": "members", "value": []}])).member_changes,
        [MemberChange::RemoveAll]
    );
}

#[test]
fn replace_of_members_and_path_less_members_are_planned() {
    let p = plan(json!([
        {"op": "replace", "path": "members", "value": [{"value": "a"}]},
        {"op": "add", "value": {"members": [{"value": "b"}]}},
        {"op": "replace", "value": {"Members": [], "displayName": "x"}},
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "c"}]},
        {"op": "remove", "path": "members[value eq \"d\" or value eq \"e\"]"}
    ]));
    assert_eq!(
        p.member_changes,
        [
            MemberChange::Replace(vec!["a".into()]),
            MemberChange::Add(vec!["b".into()]),
            MemberChange::Replace(vec![]),
            MemberChange::Add(vec!["c".into()]),
            MemberChange::Remove(vec!["d".into(), "e".into()]),
        ]
    );
    assert_eq!(p.other.operations.len(), 1);
}

#[test]
fn unusual_member_selections_are_rejected() {
    for op in [
        json!({"op": "remove", "path": "members[display eq \"x\"]"}),
        json!({"op": "replace", "path": "members[value eq \"x\"]", "value": {}}),
        json!({"op": "add", "path": "members", "value": [{"display": "no id"}]}),
        json!({"op": "remove"}),
    ] {
        assert!(
            plan_group_patch(&request(json!([op.clone()]))).is_err(),
            "{op}"
        );
    }
}

// --- properties ---

fn arb_op() -> impl Strategy<Value = Value> {
    let ops = prop::sample::select(vec!["add", "replace", "remove", "Add", "REPLACE"]);
    let paths = prop::sample::select(vec![
        None,
        Some("title"),
        Some("emails"),
        Some("emails[type eq \"work\"].value"),
        Some("name.givenName"),
        Some("active"),
        Some("id"),
        Some("members"),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
        Some("addresses[type eq \"home\"]"),
        Some("bogus[["),
    ]);
    (ops, paths, crate::proto::filter::tests::arb_json()).prop_map(|(op, path, value)| {
        let mut o = json!({"op": op, "value": value});
        if let Some(p) = path {
            o["path"] = json!(p);
        }
        o
    })
}

proptest! {
    #[test]
    fn applying_an_empty_patch_leaves_any_resource_unchanged(doc in crate::proto::filter::tests::arb_json()) {
        let mut r = json!({"userName": "u", "extra": doc});
        let before = r.clone();
        apply(&mut r, &PatchRequest::default(), &USER).unwrap();
        prop_assert_eq!(r, before);
    }

    #[test]
    fn a_patch_either_succeeds_or_leaves_the_resource_unchanged(ops in prop::collection::vec(arb_op(), 0..5)) {
        let req = request(Value::Array(ops));
        let mut r = user();
        if apply(&mut r, &req, &USER).is_err() {
            prop_assert_eq!(r, user());
        }
        let _ = plan_group_patch(&req);
    }

    #[test]
    fn arbitrary_json_bodies_never_panic(body in crate::proto::filter::tests::arb_json()) {
        if let Ok(req) = PatchRequest::from_json(body) {
            let mut r = user();
            let _ = apply(&mut r, &req, &USER);
        }
    }
}
