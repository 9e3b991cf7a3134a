//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a
//! response carries. `id` and `schemas` (returned "always") stay whatever is asked, `meta`
//! stays unless excluded, and `password` (returned "never") always goes.

use serde_json::{Map, Value};

use super::json::{get_mut_ci, remove_ci};
use super::path::AttrPath;
use super::schema::{starts_with_urn, ResourceSchema, Returned};

/// Splits a query-string list such as `userName,name.givenName, emails`.
pub fn parse_attribute_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One entry of an attribute list, resolved against the resource.
#[derive(Debug)]
enum Selection {
    /// A whole extension object, named by its URN.
    Extension(String),
    Attribute(AttrPath),
}

fn selection(entry: &str, obj: &Map<String, Value>, schema: &ResourceSchema) -> Option<Selection> {
    let entry = entry.trim();
    if let Some(ext) = schema.extension_by_urn(entry) {
        return Some(Selection::Extension(ext.id.to_owned()));
    }
    if starts_with_urn(entry) {
        if let Some(key) = obj.keys().find(|k| k.eq_ignore_ascii_case(entry)) {
            return Some(Selection::Extension(key.clone()));
        }
    }
    AttrPath::parse(entry).ok().map(Selection::Attribute)
}

fn always_returned(key: &str) -> bool {
    key.eq_ignore_ascii_case("id") || key.eq_ignore_ascii_case("schemas")
}

/// Applies `attributes` (when not empty) and then `excluded` to `resource`.
pub fn project(
    resource: &mut Value,
    attributes: &[String],
    excluded: &[String],
    schema: &ResourceSchema,
) {
    let Value::Object(obj) = resource else { return };
    remove_never_returned(obj, schema);
    if !attributes.is_empty() {
        let wanted: Vec<Selection> = attributes
            .iter()
            .filter_map(|a| selection(a, obj, schema))
            .collect();
        let all = std::mem::take(obj);
        for (key, value) in all {
            if let Some(kept) = keep(&key, value, &wanted) {
                obj.insert(key, kept);
            }
        }
    }
    for entry in excluded {
        match selection(entry, obj, schema) {
            Some(Selection::Extension(urn)) => {
                remove_ci(obj, &urn);
            }
            Some(Selection::Attribute(path)) => exclude(obj, &path),
            None => {}
        }
    }
}

fn remove_never_returned(obj: &mut Map<String, Value>, schema: &ResourceSchema) {
    for s in schema.schemas() {
        for a in s
            .attributes
            .iter()
            .filter(|a| a.returned == Returned::Never)
        {
            if std::ptr::eq(s, schema.core) {
                remove_ci(obj, a.name);
            } else if let Some(Value::Object(ext)) = get_mut_ci(obj, s.id) {
                remove_ci(ext, a.name);
            }
        }
    }
}

/// What of the top-level `key` survives an `attributes` list.
fn keep(key: &str, value: Value, wanted: &[Selection]) -> Option<Value> {
    if always_returned(key) || key.eq_ignore_ascii_case("meta") {
        return Some(value);
    }
    let is_extension = starts_with_urn(key) && value.is_object();
    if is_extension {
        if wanted
            .iter()
            .any(|w| matches!(w, Selection::Extension(u) if u.eq_ignore_ascii_case(key)))
        {
            return Some(value);
        }
        let Value::Object(inner) = value else {
            return None;
        };
        let kept: Map<String, Value> = inner
            .into_iter()
            .filter_map(|(k, v)| keep_attribute(Some(key), &k, v, wanted).map(|v| (k, v)))
            .collect();
        return (!kept.is_empty()).then_some(Value::Object(kept));
    }
    keep_attribute(None, key, value, wanted)
}

fn keep_attribute(
    urn: Option<&str>,
    name: &str,
    value: Value,
    wanted: &[Selection],
) -> Option<Value> {
    let mut subs = Vec::new();
    for w in wanted {
        let Selection::Attribute(p) = w else { continue };
        let same_urn = match (urn, p.urn.as_deref()) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if same_urn && p.name.eq_ignore_ascii_case(name) {
            match &p.sub {
                None => return Some(value),
                Some(s) => subs.push(s.as_str()),
            }
        }
    }
    if subs.is_empty() {
        return None;
    }
    let narrow = |v: Value| match v {
        Value::Object(o) => {
            let kept: Map<String, Value> = o
                .into_iter()
                .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        _ => None,
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.into_iter().filter_map(narrow).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => narrow(other),
    }
}

fn exclude(obj: &mut Map<String, Value>, path: &AttrPath) {
    if path.urn.is_none() && always_returned(&path.name) {
        return;
    }
    let container = match &path.urn {
        None => Some(obj),
        Some(urn) => get_mut_ci(obj, urn).and_then(Value::as_object_mut),
    };
    let Some(container) = container else { return };
    match &path.sub {
        None => {
            remove_ci(container, &path.name);
        }
        Some(sub) => match get_mut_ci(container, &path.name) {
            Some(Value::Array(items)) => items
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .for_each(|e| {
                    remove_ci(e, sub);
                }),
            Some(Value::Object(o)) => {
                remove_ci(o, sub);
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::proto::schema::{ENTERPRISE_USER_URN, GROUP, USER};
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_URN],
            "id": "1",
            "userName": "b",
            "password": "secret",
            "name": {"givenName": "B", "familyName": "J"},
            "emails": [{"value": "a@b", "type": "work"}],
            "meta": {"resourceType": "User"},
            ENTERPRISE_USER_URN: {"department": "Sales", "employeeNumber": "7"},
            "urn:acme:2.0:User": {"badge": "x"}
        })
    }

    fn projected(attributes: &str, excluded: &str) -> Value {
        let mut u = user();
        project(
            &mut u,
            &parse_attribute_list(attributes),
            &parse_attribute_list(excluded),
            &USER,
        );
        u
    }

    #[test]
    fn attribute_lists_are_comma_separated_and_trimmed() {
        assert_eq!(
            parse_attribute_list(" userName, name.givenName ,,"),
            ["userName", "name.givenName"]
        );
        assert!(parse_attribute_list("").is_empty());
    }

    #[test]
    fn password_is_never_returned() {
        assert!(projected("", "").get("password").is_none());
        assert!(projected("password", "").get("password").is_none());
    }

    #[test]
    fn attributes_keep_only_what_is_asked_plus_id_schemas_and_meta() {
        let u = projected("USERNAME,name.givenName", "");
        let mut keys: Vec<_> = u.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["id", "meta", "name", "schemas", "userName"]);
        assert_eq!(u["name"], json!({"givenName": "B"}));
    }

    #[test]
    fn attributes_may_name_extension_attributes_or_whole_extensions() {
        let u = projected(
            &format!("{ENTERPRISE_USER_URN}:department,urn:acme:2.0:User"),
            "",
        );
        assert_eq!(u[ENTERPRISE_USER_URN], json!({"department": "Sales"}));
        assert_eq!(u["urn:acme:2.0:User"], json!({"badge": "x"}));
        assert!(u.get("userName").is_none());
    }

    #[test]
    fn sub_attributes_of_multi_valued_attributes_are_narrowed_per_element() {
        assert_eq!(
            projected("emails.value", "")["emails"],
            json!([{"value": "a@b"}])
        );
    }

    #[test]
    fn excluded_attributes_are_removed_except_id_and_schemas() {
        let u = projected("", "id,schemas,meta,name.familyName,emails");
        assert_eq!(u["id"], "1");
        assert!(u.get("schemas").is_some());
        assert!(u.get("meta").is_none());
        assert!(u.get("emails").is_none());
        assert_eq!(u["name"], json!({"givenName": "B"}));
    }

    #[test]
    fn groups_can_be_returned_without_members() {
        let mut g = json!({"id": "g", "displayName": "Eng", "members": [{"value": "u"}]});
        project(&mut g, &[], &["members".into()], &GROUP);
        assert_eq!(g, json!({"id": "g", "displayName": "Eng"}));
    }

    #[test]
    fn unknown_names_select_nothing_and_exclude_nothing() {
        let u = projected("", "shoeSize");
        assert_eq!(u["userName"], "b");
        let u = projected("shoeSize", "");
        assert!(u.get("userName").is_none());
        assert_eq!(u["id"], "1");
    }
}
