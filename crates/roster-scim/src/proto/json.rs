//! Case-insensitive access to JSON objects: SCIM attribute names are case-insensitive
//! (RFC 7643 §2.1), so every lookup of a client-sent key goes through here.

use serde_json::{Map, Value};

/// The value under `key` in any case, preferring an exact match.
pub(crate) fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The value under `key` in any case, mutably.
pub(crate) fn get_mut_ci<'a>(obj: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    let found = obj.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    obj.get_mut(&found)
}

/// Removes `key` in every spelling and returns the first value removed.
pub(crate) fn remove_ci(obj: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let keys: Vec<String> = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .collect();
    let mut first = None;
    for k in keys {
        let v = obj.remove(&k);
        if first.is_none() {
            first = v;
        }
    }
    first
}

/// Takes the object under `key` (any case) out of `obj`; an empty object when missing or not
/// an object. Callers put it back under the canonical key when done.
pub(crate) fn take_object(obj: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    match remove_ci(obj, key) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Sets `key` to `value`, dropping other spellings of the key.
pub(crate) fn set_ci(obj: &mut Map<String, Value>, key: &str, value: Value) {
    remove_ci(obj, key);
    obj.insert(key.to_owned(), value);
}

/// Whether a value counts as present for `pr`: not null, not an empty string, array or object.
pub(crate) fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// `"True"`/`"false"` (any case) as a boolean.
pub(crate) fn bool_from_str(s: &str) -> Option<bool> {
    if s.trim().eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.trim().eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}
