//! The tenant's live status as the admin reads it: which stage the connection has reached,
//! the directory counts, the testing checklist, and the last error in plain language with
//! what to do about it.

use chrono::{DateTime, Utc};
use roster_scim::TenantStatus;
use serde::Serialize;

use crate::fields;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StatusView {
    /// "waiting", "connected", "users", "groups".
    pub stage: &'static str,
    pub headline: String,
    pub connected_at: Option<String>,
    pub last_request_at: Option<String>,
    pub users_active: i64,
    pub users_inactive: i64,
    pub groups: i64,
    pub error: Option<ErrorView>,
    pub checklist: Vec<StepView>,
    pub steps_done: usize,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ErrorView {
    pub at: String,
    pub what: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepView {
    pub key: &'static str,
    pub label: &'static str,
    pub done_at: Option<String>,
}

pub(crate) fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y at %H:%M UTC").to_string()
}

impl StatusView {
    pub fn new(status: &TenantStatus, vendor: &str) -> Self {
        let users = status.users_active + status.users_inactive;
        let (stage, headline) = match (status.first_request_at, users, status.groups) {
            (None, _, _) => (
                "waiting",
                "Waiting for Okta to test the credentials".to_owned(),
            ),
            (Some(_), 0, _) => (
                "connected",
                "Okta is connected: credentials tested, no users yet".to_owned(),
            ),
            (Some(_), _, 0) => ("users", "Okta is sending users".to_owned()),
            (Some(_), _, _) => ("groups", "Okta is sending users and groups".to_owned()),
        };
        let checklist: Vec<StepView> = status
            .checklist
            .iter()
            .map(|s| StepView {
                key: s.key,
                label: s.label,
                done_at: s.done_at.map(when),
            })
            .collect();
        Self {
            stage,
            headline,
            connected_at: status.first_request_at.map(when),
            last_request_at: status.last_request_at.map(when),
            users_active: status.users_active,
            users_inactive: status.users_inactive,
            groups: status.groups,
            error: status.last_error.as_deref().map(|detail| {
                let (what, fix) = explain(detail, vendor);
                ErrorView {
                    at: status.last_error_at.map(when).unwrap_or_default(),
                    what,
                    fix,
                }
            }),
            steps_done: checklist.iter().filter(|s| s.done_at.is_some()).count(),
            checklist,
        }
    }
}

/// Turns the detail Roster answered Okta with into what happened and how to fix it.
pub(crate) fn explain(detail: &str, vendor: &str) -> (String, String) {
    // roster-scim words a refused value as `{field} "{value}" is not allowed; use one of {…}`.
    if let Some((head, allowed)) = detail.split_once(" is not allowed; use one of ") {
        if let Some((field, value)) = head.split_once(' ') {
            let label = fields::label_for(field).unwrap_or(field);
            let value = value.trim_matches('"');
            return (
                format!("Okta sent \"{value}\" for {label}, which {vendor} does not accept."),
                format!(
                    "In Okta, make {label} one of: {allowed}. Fix the value in the person's \
                     profile or the attribute mapping, then push the person again."
                ),
            );
        }
    }
    let lower = detail.to_lowercase();
    if lower.contains("bearer token was not accepted") {
        return (
            "Okta's bearer token was not accepted.".to_owned(),
            "Copy the token from this page into the OAuth Bearer Token field in Okta's \
             Provisioning tab, then click Test API Credentials. If you generated a new token, \
             Okta must have the new one."
                .to_owned(),
        );
    }
    if lower.contains("already exists") {
        return (
            format!("Okta sent a person who already exists: {detail}."),
            "Each person needs their own username. In Okta, check for two people with the \
             same username, or unassign the duplicate."
                .to_owned(),
        );
    }
    (
        format!("{vendor} refused a request from Okta: {detail}."),
        format!(
            "Compare the attribute mapping in Okta with the table on this page, then try the \
             step again. If it keeps failing, send this message to your contact at {vendor}."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_language_names_the_value_and_the_allowed_codes() {
        let (what, fix) = explain(
            "language \"English\" is not allowed; use one of en-US, fr-CA, es-ES, ko, ja",
            "Coffees",
        );
        assert_eq!(
            what,
            "Okta sent \"English\" for Language, which Coffees does not accept."
        );
        assert!(fix.contains("one of: en-US, fr-CA, es-ES, ko, ja"), "{fix}");
    }

    #[test]
    fn an_unknown_detail_is_shown_with_a_general_fix() {
        let (what, fix) = explain("userName is required", "Coffees");
        assert!(what.contains("userName is required"));
        assert!(fix.contains("contact at Coffees"));
    }
}
