//! Query-string parameters, matched without regard to case (`startIndex`, `startindex`).

use actix_web::HttpRequest;

use crate::proto::{list::ListQuery, ScimError};

pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn of(req: &HttpRequest) -> Result<Self, ScimError> {
        serde_urlencoded::from_str(req.query_string())
            .map(Params)
            .map_err(|e| ScimError::invalid_syntax(format!("the query string cannot be read: {e}")))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn list_query(&self, max_results: usize) -> Result<ListQuery, ScimError> {
        ListQuery::new(
            self.get("filter"),
            self.get("startIndex"),
            self.get("count"),
            self.get("sortBy"),
            self.get("sortOrder"),
            self.get("attributes"),
            self.get("excludedAttributes"),
            max_results,
        )
    }

    /// `attributes` and `excludedAttributes` for a single resource.
    pub fn projection(&self) -> (Vec<String>, Vec<String>) {
        use crate::proto::projection::parse_attribute_list;
        (
            self.get("attributes")
                .map(parse_attribute_list)
                .unwrap_or_default(),
            self.get("excludedAttributes")
                .map(parse_attribute_list)
                .unwrap_or_default(),
        )
    }
}
