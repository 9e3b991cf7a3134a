//! Request bodies: `application/scim+json` or `application/json` (any charset), at most the
//! configured size, and valid JSON — each failure a SCIM error.

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::{future::LocalBoxFuture, StreamExt};
use serde_json::Value;

use super::error::ApiError;
use crate::{proto::ScimError, service::Scim};

pub(crate) struct ScimJson(pub Value);

impl FromRequest for ScimJson {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<Scim>>()
            .map_or(1024 * 1024, |s| s.config().body_limit);
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut payload = payload.take();
        Box::pin(async move {
            if let Some(ct) = content_type.as_deref() {
                if ct != "application/scim+json" && ct != "application/json" {
                    return Err(ScimError::new(
                        415,
                        None,
                        format!("the body is {ct}; send application/scim+json or application/json"),
                    )
                    .into());
                }
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ScimError::invalid_syntax(format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ScimError::payload_too_large(format!(
                        "the body is larger than the {limit} bytes Roster accepts"
                    ))
                    .into());
                }
                body.extend_from_slice(&chunk);
            }
            let value = serde_json::from_slice(&body).map_err(|e| {
                ScimError::invalid_syntax(format!("the body is not valid JSON: {e}"))
            })?;
            Ok(ScimJson(value))
        })
    }
}
