//! What every resource type shares: versions and ETags, timestamps, and sorting.

use std::cmp::Ordering;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::{
    http::error::ApiResult,
    proto::{path::AttrPath, ScimError},
};

pub(crate) fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The version an `If-Match` header demands; `None` for `*` or no header.
pub(crate) fn parse_if_match(header: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(value) = header.map(str::trim) else {
        return Ok(None);
    };
    if value == "*" {
        return Ok(None);
    }
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| {
            ScimError::precondition_failed(format!(
                "If-Match {value} names no version of this resource"
            ))
            .into()
        })
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, PartialEq, PartialOrd)]
pub(crate) enum SortKey {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// The value a resource sorts by: the attribute's (primary or first) value, case-folded.
pub(crate) fn sort_key(resource: &Value, path: &AttrPath) -> Option<SortKey> {
    let start = match &path.urn {
        Some(urn) => resource.get(urn.as_str())?,
        None => resource,
    };
    let mut value = get_ci(start, &path.name)?;
    if let Value::Array(items) = value {
        value = items
            .iter()
            .find(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
            .or_else(|| items.first())?;
    }
    let sub = path.sub.as_deref().or(value.is_object().then_some("value"));
    if let Some(sub) = sub {
        value = get_ci(value, sub)?;
    }
    match value {
        Value::Bool(b) => Some(SortKey::Bool(*b)),
        Value::Number(n) => n.as_f64().map(SortKey::Number),
        Value::String(s) => Some(SortKey::Text(s.to_lowercase())),
        _ => None,
    }
}

fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj: &Map<String, Value> = value.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Ascending or descending, with resources that lack the value always last.
pub(crate) fn compare(a: Option<SortKey>, b: Option<SortKey>, descending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let order = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if descending {
                order.reverse()
            } else {
                order
            }
        }
    }
}

/// An index lookup for a filter: a single `eq` on a string (alone or inside an `and`) whose
/// attribute `index` knows.
pub(crate) fn indexed_eq<L>(
    filter: &crate::proto::filter::Filter,
    index: &impl Fn(&str, String) -> Option<L>,
) -> Option<L> {
    use crate::proto::filter::{CompValue, Filter};
    if let Filter::And(left, right) = filter {
        return indexed_eq(left, index).or_else(|| indexed_eq(right, index));
    }
    match filter.simple_eq()? {
        (path, CompValue::String(value)) => index(&path, value.clone()),
        _ => None,
    }
}
