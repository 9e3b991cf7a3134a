//! The discovery documents (RFC 7643 §5-§7, RFC 7644 §4): `/ServiceProviderConfig`,
//! `/ResourceTypes` and `/Schemas`, generated from the static schemas so they never drift.
//! `base_url` is the tenant's SCIM base, e.g. `https://roster.example.com/scim/v2/acme`.

use serde_json::{json, Map, Value};

use super::list::ListResponse;
use super::schema::{AttrType, AttributeDef, ResourceSchema, Schema, ALL_SCHEMAS, GROUP, USER};
use super::{RESOURCE_TYPE_URN, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN};

const RESOURCE_TYPES: [&ResourceSchema; 2] = [&USER, &GROUP];

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

/// `/ServiceProviderConfig`: PATCH, filter (up to `max_results`), sort and ETags supported;
/// bulk and changePassword not; bearer tokens.
pub fn service_provider_config(base_url: &str, max_results: usize) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_URN],
        "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with the tenant's bearer token",
            "specUri": "https://datatracker.ietf.org/doc/html/rfc6750",
            "primary": true
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base(base_url))
        }
    })
}

fn resource_type_json(base_url: &str, r: &ResourceSchema) -> Value {
    let extensions: Vec<Value> = r
        .extensions
        .iter()
        .map(|e| json!({"schema": e.id, "required": false}))
        .collect();
    json!({
        "schemas": [RESOURCE_TYPE_URN],
        "id": r.name,
        "name": r.name,
        "endpoint": r.endpoint,
        "description": r.description,
        "schema": r.core.id,
        "schemaExtensions": extensions,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}/ResourceTypes/{}", base(base_url), r.name)
        }
    })
}

/// `/ResourceTypes` as a ListResponse.
pub fn resource_types(base_url: &str) -> Value {
    let all: Vec<Value> = RESOURCE_TYPES
        .iter()
        .map(|r| resource_type_json(base_url, r))
        .collect();
    ListResponse::new(all.len(), 1, all).to_json()
}

/// `/ResourceTypes/{id}` (`User` or `Group`, any case).
pub fn resource_type(base_url: &str, id: &str) -> Option<Value> {
    RESOURCE_TYPES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(id))
        .map(|r| resource_type_json(base_url, r))
}

fn attribute_json(a: &AttributeDef) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), a.name.into());
    m.insert("type".into(), a.kind.as_str().into());
    m.insert("multiValued".into(), a.multi_valued.into());
    m.insert("description".into(), a.description.into());
    m.insert("required".into(), a.required.into());
    if a.kind != AttrType::Complex {
        m.insert("caseExact".into(), a.case_exact.into());
    }
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".into(), a.canonical_values.into());
    }
    if a.kind == AttrType::Reference {
        m.insert("referenceTypes".into(), a.reference_types.into());
    }
    if a.kind == AttrType::Complex {
        let subs: Vec<Value> = a.sub_attributes.iter().map(attribute_json).collect();
        m.insert("subAttributes".into(), subs.into());
    }
    m.insert("mutability".into(), a.mutability.as_str().into());
    m.insert("returned".into(), a.returned.as_str().into());
    m.insert("uniqueness".into(), a.uniqueness.as_str().into());
    Value::Object(m)
}

fn schema_json(base_url: &str, s: &Schema) -> Value {
    let attributes: Vec<Value> = s.attributes.iter().map(attribute_json).collect();
    json!({
        "schemas": [SCHEMA_URN],
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "attributes": attributes,
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}/Schemas/{}", base(base_url), s.id)
        }
    })
}

/// `/Schemas` as a ListResponse.
pub fn schemas(base_url: &str) -> Value {
    let all: Vec<Value> = ALL_SCHEMAS
        .iter()
        .map(|s| schema_json(base_url, s))
        .collect();
    ListResponse::new(all.len(), 1, all).to_json()
}

/// `/Schemas/{urn}` (any case).
pub fn schema(base_url: &str, urn: &str) -> Option<Value> {
    ALL_SCHEMAS
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(urn))
        .map(|s| schema_json(base_url, s))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::proto::schema::{ENTERPRISE_USER_URN, ROSTER_USER_URN, USER_URN};

    const BASE: &str = "https://roster.example.com/scim/v2/acme/";

    fn no_nulls(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::Array(a) => a.iter().all(no_nulls),
            Value::Object(o) => o.values().all(no_nulls),
            _ => true,
        }
    }

    #[test]
    fn the_service_provider_config_advertises_what_roster_supports() {
        let c = service_provider_config(BASE, 200);
        assert_eq!(c["patch"]["supported"], true);
        assert_eq!(c["bulk"]["supported"], false);
        assert_eq!(c["changePassword"]["supported"], false);
        assert_eq!(c["filter"], json!({"supported": true, "maxResults": 200}));
        assert_eq!(c["sort"]["supported"], true);
        assert_eq!(c["etag"]["supported"], true);
        assert_eq!(c["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(
            c["meta"]["location"],
            "https://roster.example.com/scim/v2/acme/ServiceProviderConfig"
        );
    }

    #[test]
    fn the_user_resource_type_has_optional_enterprise_and_roster_extensions() {
        let u = resource_type(BASE, "user").unwrap();
        assert_eq!(u["endpoint"], "/Users");
        assert_eq!(u["schema"], USER_URN);
        assert_eq!(
            u["schemaExtensions"],
            json!([{"schema": ENTERPRISE_USER_URN, "required": false},
                   {"schema": ROSTER_USER_URN, "required": false}])
        );
        assert_eq!(
            u["meta"]["location"],
            "https://roster.example.com/scim/v2/acme/ResourceTypes/User"
        );
        assert!(resource_type(BASE, "Device").is_none());
        assert_eq!(resource_types(BASE)["totalResults"], 2);
    }

    #[test]
    fn every_schema_is_listed_and_served_by_urn_without_nulls() {
        let all = schemas(BASE);
        assert_eq!(all["totalResults"], 4);
        assert!(no_nulls(&all));
        let s = schema(BASE, ROSTER_USER_URN).unwrap();
        let level = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "managementLevel")
            .unwrap();
        assert_eq!(level["canonicalValues"].as_array().unwrap().len(), 12);
        assert_eq!(
            s["meta"]["location"],
            format!("https://roster.example.com/scim/v2/acme/Schemas/{ROSTER_USER_URN}")
        );
        assert!(schema(BASE, "urn:nope").is_none());
    }

    #[test]
    fn user_name_is_described_as_the_rfc_says() {
        let s = schema(BASE, USER_URN).unwrap();
        let a = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "userName")
            .unwrap();
        assert_eq!(a["required"], true);
        assert_eq!(a["caseExact"], false);
        assert_eq!(a["uniqueness"], "server");
        let pw = s["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "password")
            .unwrap();
        assert_eq!(
            (pw["mutability"].as_str(), pw["returned"].as_str()),
            (Some("writeOnly"), Some("never"))
        );
    }
}
