//! Turning a client's User or Group body (POST, PUT, or a PATCH result) into the canonical
//! document Roster stores: names in their schema spelling, read-only and write-only input
//! dropped, booleans coerced, `schemas` rebuilt, and the profile extension parsed.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::json::{get_ci, is_present, take_object};
use super::patch::{coerce, member_ids};
use super::path::AttrPath;
pub use super::profile::ProfileStatus;
use super::schema::{
    starts_with_urn, AttrType, AttributeDef, ResourceSchema, Returned, GROUP, ROSTER_USER_URN, USER,
};

pub use super::profile::{Language, ManagementLevel, PeopleManager, RosterProfile};

/// Canonicalises a User body. `userName` must be a non-empty string; `active` defaults to
/// true; `id`, `meta`, `groups` and `password` are dropped; unknown extension objects are kept
/// under their URN; unknown core attributes are dropped.
pub fn prepare_user(input: Value) -> Result<Value, ScimError> {
    let mut out = canonical_body(input, &USER, "User")?;
    match out.get("userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => {
            return Err(ScimError::invalid_value(
                "userName is required and must be a non-empty string",
            ))
        }
    }
    out.entry("active").or_insert(Value::Bool(true));
    if out.contains_key(ROSTER_USER_URN) {
        let ext = take_object(&mut out, ROSTER_USER_URN);
        out.insert(
            ROSTER_USER_URN.into(),
            RosterProfile::from_json(&ext)?.to_json(),
        );
    }
    set_schemas(&mut out, &USER);
    Ok(Value::Object(out))
}

/// Canonicalises a Group body and takes its members out: `(group without members, member ids
/// if the body had a non-null "members")`. `displayName` must be a non-empty string.
pub fn prepare_group(input: Value) -> Result<(Value, Option<Vec<String>>), ScimError> {
    let members = match get_ci(&input, "members") {
        None | Some(Value::Null) => None,
        Some(v) => Some(member_ids(v)?),
    };
    let mut out = canonical_body(input, &GROUP, "Group")?;
    out.remove("members");
    match out.get("displayName") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => {
            return Err(ScimError::invalid_value(
                "displayName is required and must be a non-empty string",
            ))
        }
    }
    set_schemas(&mut out, &GROUP);
    Ok((Value::Object(out), members))
}

/// Whether a stored user counts as an active member: SCIM `active` is true and the profile
/// status is not "inactive".
pub fn is_member_active(user: &Value) -> bool {
    let active = user.get("active") != Some(&Value::Bool(false));
    let on_leave = user
        .get(ROSTER_USER_URN)
        .and_then(|p| p.get("status"))
        .and_then(Value::as_str)
        .and_then(|s| ProfileStatus::parse(s).ok())
        == Some(ProfileStatus::Inactive);
    active && !on_leave
}

fn canonical_body(
    input: Value,
    schema: &ResourceSchema,
    what: &str,
) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(input) = input else {
        return Err(ScimError::invalid_syntax(format!(
            "a {what} must be a JSON object"
        )));
    };
    let mut out = Map::new();
    for (key, value) in input {
        if value.is_null() || key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext) = schema.extension_by_urn(&key) {
            let Value::Object(inner) = value else {
                return Err(ScimError::invalid_value(format!(
                    "{} must be an object",
                    ext.id
                )));
            };
            for (k, v) in inner {
                if let Ok(path) = AttrPath::parse(&format!("{}:{k}", ext.id)) {
                    place(&mut out, &path, v, schema)?;
                }
            }
            continue;
        }
        match AttrPath::parse(&key) {
            Ok(path) if path.resolve_in(schema).is_some() => place(&mut out, &path, value, schema)?,
            _ if starts_with_urn(&key) => {
                if let Value::Object(inner) = value {
                    let mut ext = take_object(&mut out, &key);
                    ext.extend(inner.into_iter().filter(|(_, v)| !v.is_null()));
                    if !ext.is_empty() {
                        out.insert(key, Value::Object(ext));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Puts one attribute value where it belongs in `out`.
fn place(
    out: &mut Map<String, Value>,
    path: &AttrPath,
    value: Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    if value.is_null() {
        return Ok(());
    }
    let Some(resolved) = path.resolve_in(schema) else {
        return Ok(());
    };
    let def = resolved.attribute;
    if def.is_read_only() || def.returned == Returned::Never {
        return Ok(());
    }
    let value = match (&path.sub, resolved.sub_attribute) {
        (Some(_), Some(sub)) => {
            if def.multi_valued {
                return Ok(());
            }
            Value::Object(Map::from_iter([(sub.name.to_owned(), value)]))
        }
        _ => value,
    };
    let value = clean(coerce(value, Some(def)), def)?;
    if !is_present(&value) && def.kind == AttrType::Complex {
        return Ok(());
    }
    let container = match &path.urn {
        None => out,
        Some(urn) => match out
            .entry(urn.clone())
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(m) => m,
            _ => return Ok(()),
        },
    };
    match (container.get_mut(def.name), value) {
        (Some(Value::Object(existing)), Value::Object(new)) if !def.multi_valued => {
            existing.extend(new);
        }
        (_, value) => {
            container.insert(def.name.to_owned(), value);
        }
    }
    Ok(())
}

/// Checks booleans and drops unknown or null sub-attributes; multi-valued values become arrays.
fn clean(value: Value, def: &AttributeDef) -> Result<Value, ScimError> {
    if def.multi_valued {
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        let items = items
            .into_iter()
            .filter(|v| !v.is_null())
            .map(|v| clean_one(v, def))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Value::Array(items));
    }
    clean_one(value, def)
}

fn clean_one(value: Value, def: &AttributeDef) -> Result<Value, ScimError> {
    match (def.kind, value) {
        (AttrType::Boolean, v @ Value::Bool(_)) => Ok(v),
        (AttrType::Boolean, other) => Err(ScimError::invalid_value(format!(
            "{} must be true or false, not {other}",
            def.name
        ))),
        (AttrType::Complex, Value::Object(o)) => {
            let mut kept = Map::new();
            for (k, v) in o {
                if v.is_null() {
                    continue;
                }
                if let Some(sub) = def.sub_attribute(&k) {
                    kept.insert(sub.name.to_owned(), clean_one(v, sub)?);
                }
            }
            Ok(Value::Object(kept))
        }
        // Entra sends a manager as its bare id: the reference is the `value` sub-attribute.
        (AttrType::Complex, Value::String(id)) if def.sub_attribute("value").is_some() => {
            let mut kept = Map::new();
            kept.insert("value".to_owned(), Value::String(id));
            Ok(Value::Object(kept))
        }
        (AttrType::Complex, other) => Err(ScimError::invalid_value(format!(
            "{} must be an object, not {other}",
            def.name
        ))),
        (_, v) => Ok(v),
    }
}

/// `schemas`: the core URN first, then the extensions present.
fn set_schemas(out: &mut Map<String, Value>, schema: &ResourceSchema) {
    out.retain(|k, v| !starts_with_urn(k) || v.as_object().is_some_and(|o| !o.is_empty()));
    let mut urns = vec![Value::String(schema.core.id.to_owned())];
    for ext in schema.extensions {
        if out.contains_key(ext.id) {
            urns.push(Value::String(ext.id.to_owned()));
        }
    }
    for key in out.keys() {
        if starts_with_urn(key) && schema.extension_by_urn(key).is_none() {
            urns.push(Value::String(key.clone()));
        }
    }
    out.insert("schemas".into(), Value::Array(urns));
}

#[cfg(test)]
#[path = "user_tests.rs"]
mod tests;
