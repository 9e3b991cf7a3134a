//! Listing and searching (RFC 7644 §3.4.2, §3.4.3): the query parameters with the RFC's paging
//! rules, the `POST .search` body, and the ListResponse message.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use super::error::ScimError;
use super::filter::{self, Filter};
use super::path::AttrPath;
use super::projection::parse_attribute_list;
use super::LIST_RESPONSE_URN;

/// Page size when the client gives no `count`.
pub const DEFAULT_COUNT: usize = 100;

/// A ListResponse message. Counts are JSON integers (Okta checks), and `Resources` is always
/// present, empty when nothing matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse<T = Value> {
    pub total_results: usize,
    pub start_index: usize,
    pub items_per_page: usize,
    pub resources: Vec<T>,
}

impl<T> ListResponse<T> {
    /// A page of `resources` out of `total_results`, starting at the 1-based `start_index`.
    pub fn new(total_results: usize, start_index: usize, resources: Vec<T>) -> Self {
        Self {
            total_results,
            start_index: start_index.max(1),
            items_per_page: resources.len(),
            resources,
        }
    }
}

impl ListResponse {
    pub fn to_json(&self) -> Value {
        json!({
            "schemas": [LIST_RESPONSE_URN],
            "totalResults": self.total_results,
            "startIndex": self.start_index,
            "itemsPerPage": self.items_per_page,
            "Resources": self.resources,
        })
    }
}

/// Written field by field: a page of resources is serialised in place, never copied.
impl<T: Serialize> Serialize for ListResponse<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("schemas", &[LIST_RESPONSE_URN])?;
        map.serialize_entry("totalResults", &self.total_results)?;
        map.serialize_entry("startIndex", &self.start_index)?;
        map.serialize_entry("itemsPerPage", &self.items_per_page)?;
        map.serialize_entry("Resources", &self.resources)?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

impl SortOrder {
    /// `ascending` or `descending`, any case; anything else is 400 invalidValue.
    pub fn parse(s: &str) -> Result<Self, ScimError> {
        if s.trim().eq_ignore_ascii_case("ascending") {
            Ok(Self::Ascending)
        } else if s.trim().eq_ignore_ascii_case("descending") {
            Ok(Self::Descending)
        } else {
            Err(ScimError::invalid_value(format!(
                "sortOrder \"{s}\" is not allowed; use ascending or descending"
            )))
        }
    }
}

/// The body of `POST /.search` (RFC 7644 §3.4.3). `attributes` and `excludedAttributes` may
/// be arrays or comma-separated strings; `startIndex` and `count` numbers or numeric strings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub attributes: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub excluded_attributes: Vec<String>,
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub sort_by: Option<String>,
    #[serde(default)]
    pub sort_order: Option<String>,
    #[serde(default, deserialize_with = "loose_integer")]
    pub start_index: Option<String>,
    #[serde(default, deserialize_with = "loose_integer")]
    pub count: Option<String>,
}

impl SearchRequest {
    /// Reads a search body; a wrong shape is 400 invalidSyntax.
    pub fn from_json(body: Value) -> Result<Self, ScimError> {
        serde_json::from_value(body)
            .map_err(|e| ScimError::invalid_syntax(format!("invalid SearchRequest: {e}")))
    }
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => parse_attribute_list(&s),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(parse_attribute_list)
            .collect(),
        _ => Vec::new(),
    })
}

/// Numbers and strings both kept as text, so that [`ListQuery::new`] applies one set of rules.
fn loose_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

/// A validated list or search request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start_index: usize,
    /// At most the server's `maxResults`.
    pub count: usize,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    pub attributes: Vec<String>,
    pub excluded_attributes: Vec<String>,
}

impl ListQuery {
    /// From query-string parameters. `startIndex` below 1 counts as 1; `count` defaults to
    /// 100, negative counts as 0, and is capped at `max_results`; non-numbers are 400
    /// invalidValue; the filter is parsed (400 invalidFilter).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        filter: Option<&str>,
        start_index: Option<&str>,
        count: Option<&str>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        attributes: Option<&str>,
        excluded: Option<&str>,
        max_results: usize,
    ) -> Result<Self, ScimError> {
        let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => Some(filter::parse(f)?),
            None => None,
        };
        let start_index = match start_index {
            Some(s) => usize::try_from(integer("startIndex", s)?.max(1)).unwrap_or(usize::MAX),
            None => 1,
        };
        let count = match count {
            Some(s) => usize::try_from(integer("count", s)?.max(0)).unwrap_or(usize::MAX),
            None => DEFAULT_COUNT,
        }
        .min(max_results);
        let sort_by = match sort_by.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(AttrPath::parse(s).map_err(|why| {
                ScimError::invalid_value(format!("sortBy cannot be used: {why}"))
            })?),
            None => None,
        };
        let sort_order = match sort_order.filter(|s| !s.trim().is_empty()) {
            Some(s) => SortOrder::parse(s)?,
            None => SortOrder::Ascending,
        };
        Ok(Self {
            filter,
            start_index,
            count,
            sort_by,
            sort_order,
            attributes: attributes.map(parse_attribute_list).unwrap_or_default(),
            excluded_attributes: excluded.map(parse_attribute_list).unwrap_or_default(),
        })
    }

    /// From a `POST .search` body, with the same rules.
    pub fn from_search(request: &SearchRequest, max_results: usize) -> Result<Self, ScimError> {
        let mut q = Self::new(
            request.filter.as_deref(),
            request.start_index.as_deref(),
            request.count.as_deref(),
            request.sort_by.as_deref(),
            request.sort_order.as_deref(),
            None,
            None,
            max_results,
        )?;
        q.attributes = request.attributes.clone();
        q.excluded_attributes = request.excluded_attributes.clone();
        Ok(q)
    }

    /// How many matching resources precede the page.
    pub fn offset(&self) -> usize {
        self.start_index.saturating_sub(1)
    }

    /// The response for this page.
    pub fn response<T>(&self, total_results: usize, resources: Vec<T>) -> ListResponse<T> {
        ListResponse::new(total_results, self.start_index, resources)
    }
}

/// An integer parameter; out-of-range digits saturate rather than fail.
fn integer(name: &str, s: &str) -> Result<i64, ScimError> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return Ok(if negative { i64::MIN } else { i64::MAX });
    }
    Err(ScimError::invalid_value(format!(
        "{name} must be an integer, not \"{s}\""
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::proto::ScimType;

    fn paging(start: Option<&str>, count: Option<&str>) -> Result<(usize, usize), ScimError> {
        ListQuery::new(None, start, count, None, None, None, None, 200)
            .map(|q| (q.start_index, q.count))
    }

    #[test]
    fn defaults_are_start_index_1_and_count_100() {
        assert_eq!(paging(None, None).unwrap(), (1, 100));
    }

    #[test]
    fn okta_test_credentials_paging_is_honoured() {
        assert_eq!(paging(Some("1"), Some("2")).unwrap(), (1, 2));
        assert_eq!(paging(Some("101"), Some("100")).unwrap(), (101, 100));
    }

    #[test]
    fn a_start_index_below_1_counts_as_1_and_a_negative_count_as_0() {
        assert_eq!(paging(Some("0"), Some("-5")).unwrap(), (1, 0));
        assert_eq!(
            paging(Some("-99999999999999999999999"), None).unwrap(),
            (1, 100)
        );
    }

    #[test]
    fn count_is_capped_at_max_results() {
        assert_eq!(paging(None, Some("1000")).unwrap(), (1, 200));
        assert_eq!(
            paging(None, Some("99999999999999999999999")).unwrap(),
            (1, 200)
        );
        let q = ListQuery::new(None, None, None, None, None, None, None, 50).unwrap();
        assert_eq!(q.count, 50);
    }

    #[test]
    fn non_numeric_paging_is_an_invalid_value_error() {
        for (s, c) in [
            (Some("one"), None),
            (None, Some("ten")),
            (None, Some("1.5")),
            (None, Some("")),
        ] {
            let e = paging(s, c).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        }
    }

    #[test]
    fn sort_order_is_ascending_or_descending_in_any_case() {
        let q = |o| ListQuery::new(None, None, None, Some("userName"), Some(o), None, None, 100);
        assert_eq!(q("DESCENDING").unwrap().sort_order, SortOrder::Descending);
        assert_eq!(q("Ascending").unwrap().sort_order, SortOrder::Ascending);
        assert_eq!(q("up").unwrap_err().scim_type, Some(ScimType::InvalidValue));
        assert_eq!(q("up").unwrap_err().status, 400);
    }

    #[test]
    fn the_filter_is_parsed_and_bad_filters_are_invalid_filter_errors() {
        let q = ListQuery::new(
            Some(r#"userName eq "a@b.c""#),
            None,
            None,
            None,
            None,
            None,
            None,
            100,
        )
        .unwrap();
        assert!(q.filter.is_some());
        let e = ListQuery::new(Some("userName eq"), None, None, None, None, None, None, 100)
            .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    }

    #[test]
    fn a_list_response_has_integer_counts_and_always_resources() {
        let body = ListResponse::new(0, 1, vec![]).to_json();
        assert_eq!(
            body,
            json!({"schemas": [LIST_RESPONSE_URN], "totalResults": 0, "startIndex": 1,
                   "itemsPerPage": 0, "Resources": []})
        );
        let page = ListResponse::new(5, 3, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(serde_json::to_value(&page).unwrap(), page.to_json());
        assert_eq!(serde_json::to_value(&page).unwrap()["itemsPerPage"], 2);
    }

    #[test]
    fn a_search_request_accepts_lists_as_arrays_or_comma_strings() {
        let r = SearchRequest::from_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["displayName", "userName"],
            "excludedAttributes": "emails, name",
            "filter": "displayName sw \"smith\"",
            "startIndex": 1,
            "count": "10"
        }))
        .unwrap();
        assert_eq!(r.attributes, ["displayName", "userName"]);
        assert_eq!(r.excluded_attributes, ["emails", "name"]);
        let q = ListQuery::from_search(&r, 100).unwrap();
        assert_eq!((q.start_index, q.count), (1, 10));
        assert_eq!(q.attributes, ["displayName", "userName"]);
        assert!(SearchRequest::from_json(json!({"filter": 5})).is_err());
    }
}
