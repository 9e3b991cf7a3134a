//! The one place SCIM failures become HTTP: an RFC 7644 error body with
//! `application/scim+json`, and the failure's class and detail kept for the request log.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};

use crate::proto::{ScimError, ScimType};

/// What the request log learns of a response: its failure class and detail, or the change
/// it made to the directory.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub error_class: Option<&'static str>,
    pub detail: Option<String>,
    pub event: Option<&'static str>,
}

#[derive(Debug)]
pub(crate) struct ApiError {
    pub error: ScimError,
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl From<ScimError> for ApiError {
    fn from(error: ScimError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error while serving SCIM");
        ScimError::internal("Roster could not complete the request; please retry").into()
    }
}

impl From<roster_tenant::Error> for ApiError {
    fn from(error: roster_tenant::Error) -> Self {
        match error {
            roster_tenant::Error::Unauthorized => unauthorized().into(),
            roster_tenant::Error::Unexpected(e) => e.into(),
            other => {
                tracing::error!(error = %other, "unexpected tenancy error while serving SCIM");
                ScimError::internal("Roster could not complete the request; please retry").into()
            }
        }
    }
}

pub(crate) fn unauthorized() -> ScimError {
    ScimError::unauthorized(
        "The bearer token was not accepted. Copy the token from your setup page into the \
         identity provider's API token field.",
    )
}

fn error_class(error: &ScimError) -> &'static str {
    match (error.status, error.scim_type) {
        (401, _) => "bad token",
        (404, _) => "not found",
        (405, _) => "method not allowed",
        (409, _) => "uniqueness",
        (412, _) => "version mismatch",
        (413, _) => "too large",
        (415, _) => "unsupported media type",
        (429, _) => "rate limited",
        (_, Some(ScimType::InvalidFilter)) => "invalid filter",
        (_, Some(ScimType::InvalidValue)) => "invalid value",
        (_, Some(ScimType::InvalidSyntax)) => "invalid syntax",
        (_, Some(ScimType::InvalidPath)) => "invalid path",
        (_, Some(ScimType::NoTarget)) => "no target",
        (_, Some(ScimType::Mutability)) => "mutability",
        (_, Some(ScimType::TooMany)) => "too many",
        (_, Some(_)) => "invalid request",
        (s, None) if s >= 500 => "internal",
        _ => "invalid request",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(super::SCIM_JSON);
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        let mut response = response.body(self.error.to_json().to_string());
        response.extensions_mut().insert(Outcome {
            error_class: Some(error_class(&self.error)),
            detail: Some(self.error.detail.clone()),
            event: None,
        });
        response
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
