//! Any bytes as a PATCH body: reading never panics, applying to a sample user and group never
//! panics, and a failed PATCH leaves the resource exactly as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_scim::proto::patch::{apply, plan_group_patch, PatchRequest};
use roster_scim::proto::schema::{GROUP, USER};
use roster_scim::proto::user::{prepare_group, prepare_user};

fn sample_user() -> serde_json::Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
        "urn:ietf:params:scim:schemas:extension:roster:2.0:User": {"language": "en-US"}
    })
}

fn sample_group() -> serde_json::Value {
    serde_json::json!({"id": "g1", "displayName": "Engineering"})
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = PatchRequest::from_slice(data) else {
        return;
    };
    let mut user = sample_user();
    match apply(&mut user, &request, &USER) {
        Ok(()) => {
            let _ = prepare_user(user);
        }
        Err(_) => assert_eq!(user, sample_user(), "a failed PATCH changed the user"),
    }
    if let Ok(plan) = plan_group_patch(&request) {
        let mut group = sample_group();
        match apply(&mut group, &plan.other, &GROUP) {
            Ok(()) => {
                let _ = prepare_group(group);
            }
            Err(_) => assert_eq!(group, sample_group(), "a failed PATCH changed the group"),
        }
    }
});
