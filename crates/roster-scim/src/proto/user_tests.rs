#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::proto::schema::{ENTERPRISE_USER_URN, GROUP_URN, USER_URN};
use crate::proto::ScimType;
use serde_json::json;

fn okta_create() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane.doe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": "jane.doe@example.com", "type": "work"}],
        "displayName": "Jane Doe",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

#[test]
fn an_okta_create_body_is_stored_without_password_or_groups() {
    let u = prepare_user(okta_create()).unwrap();
    assert!(u.get("password").is_none());
    assert!(u.get("groups").is_none());
    assert_eq!(u["schemas"], json!([USER_URN]));
    assert_eq!(u["emails"][0]["primary"], true);
    assert_eq!(u["externalId"], "00ujl29u0le5T6Aj10h7");
}

#[test]
fn an_okta_put_may_carry_id_meta_and_groups_which_are_dropped() {
    let mut body = okta_create();
    body["id"] = json!("abc");
    body["meta"] = json!({"resourceType": "User"});
    body["groups"] = json!([{"value": "g1"}]);
    let u = prepare_user(body).unwrap();
    assert!(u.get("id").is_none() && u.get("meta").is_none() && u.get("groups").is_none());
}

#[test]
fn user_name_is_required_and_must_be_a_non_empty_string() {
    for body in [
        json!({}),
        json!({"userName": ""}),
        json!({"userName": "  "}),
        json!({"userName": 5}),
    ] {
        let e = prepare_user(body).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains("userName"));
    }
    assert_eq!(
        prepare_user(json!([])).unwrap_err().scim_type,
        Some(ScimType::InvalidSyntax)
    );
}

#[test]
fn attribute_names_are_canonicalised_in_any_case() {
    let u = prepare_user(json!({
        "username": "a", "Name": {"GivenName": "A", "FAMILYNAME": "B"}, "DISPLAYNAME": "A B",
        "emails": {"Value": "a@b", "Primary": "True"}
    }))
    .unwrap();
    assert_eq!(u["userName"], "a");
    assert_eq!(u["name"], json!({"givenName": "A", "familyName": "B"}));
    assert_eq!(u["displayName"], "A B");
    assert_eq!(u["emails"], json!([{"value": "a@b", "primary": true}]));
}

#[test]
fn active_defaults_to_true_and_string_booleans_are_coerced() {
    assert_eq!(
        prepare_user(json!({"userName": "a"})).unwrap()["active"],
        true
    );
    assert_eq!(
        prepare_user(json!({"userName": "a", "active": "False"})).unwrap()["active"],
        false
    );
    let e = prepare_user(json!({"userName": "a", "active": "nope"})).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn extensions_are_listed_in_schemas_core_first() {
    let u = prepare_user(json!({
        "userName": "a",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "7"},
        "urn:acme:2.0:User": {"badge": "x"},
        "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"managementLevel": "vp"}
    }))
    .unwrap();
    assert_eq!(
        u["schemas"],
        json!([
            USER_URN,
            ENTERPRISE_USER_URN,
            ROSTER_USER_URN,
            "urn:acme:2.0:User"
        ])
    );
    assert_eq!(u[ENTERPRISE_USER_URN], json!({"employeeNumber": "7"}));
    assert_eq!(u["urn:acme:2.0:User"], json!({"badge": "x"}));
}

#[test]
fn the_profile_extension_is_normalised_and_language_defaults_to_en_us() {
    let u = prepare_user(json!({
        "userName": "a",
        "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {
            "managementLevel": "sr. manager", "peopleManager": "YES", "status": "Inactive",
            "jobFunction": "Engineering"
        }
    }))
    .unwrap();
    assert_eq!(
        u[ROSTER_USER_URN],
        json!({"managementLevel": "Sr. Manager", "peopleManager": "yes", "status": "inactive",
               "jobFunction": "Engineering", "language": "en-US"})
    );
    assert!(!is_member_active(&u));
}

#[test]
fn a_profile_value_outside_the_guide_is_rejected_naming_the_field() {
    let e = prepare_user(json!({
        "userName": "a",
        "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"language": "English"}
    }))
    .unwrap_err();
    assert_eq!(
        e.detail,
        "language \"English\" is not allowed; use one of en-US, fr-CA, es-ES, ko, ja"
    );
}

#[test]
fn urn_qualified_and_dotted_keys_land_in_place() {
    let u = prepare_user(json!({
        "userName": "a",
        "urn:ietf:params:scim:schemas:core:2.0:User:title": "T",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": {"value": "m"},
        "name.givenName": "G"
    }))
    .unwrap();
    assert_eq!(u["title"], "T");
    assert_eq!(u[ENTERPRISE_USER_URN]["manager"], json!({"value": "m"}));
    assert_eq!(u["name"]["givenName"], "G");
}

#[test]
fn unknown_core_attributes_and_nulls_are_dropped() {
    let u = prepare_user(json!({"userName": "a", "shoeSize": 9, "title": null})).unwrap();
    assert!(u.get("shoeSize").is_none() && u.get("title").is_none());
}

#[test]
fn preparing_twice_gives_the_same_document() {
    let once = prepare_user(okta_create()).unwrap();
    assert_eq!(prepare_user(once.clone()).unwrap(), once);
}

#[test]
fn member_activity_follows_active_and_profile_status() {
    assert!(is_member_active(&json!({"active": true})));
    assert!(!is_member_active(&json!({"active": false})));
    assert!(is_member_active(
        &json!({"active": true, ROSTER_USER_URN: {"status": "active"}})
    ));
}

#[test]
fn a_group_body_gives_its_members_separately() {
    let (g, members) = prepare_group(json!({
        "schemas": [GROUP_URN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "id": "x", "DisplayName": "Eng", "externalId": "e",
        "members": [{"value": "u1", "display": "a"}, {"value": "u2"}]
    }))
    .unwrap();
    assert_eq!(
        g,
        json!({"schemas": [GROUP_URN], "displayName": "Eng", "externalId": "e"})
    );
    assert_eq!(members, Some(vec!["u1".to_string(), "u2".to_string()]));
    let (_, none) = prepare_group(json!({"displayName": "Eng"})).unwrap();
    assert_eq!(none, None);
    let (_, empty) = prepare_group(json!({"displayName": "Eng", "members": []})).unwrap();
    assert_eq!(empty, Some(vec![]));
}

#[test]
fn a_group_needs_a_display_name_and_well_formed_members() {
    assert!(prepare_group(json!({"members": []})).is_err());
    assert!(prepare_group(json!({"displayName": "g", "members": [{"display": "x"}]})).is_err());
}
