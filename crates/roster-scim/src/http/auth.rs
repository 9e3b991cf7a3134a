//! The tenant behind a request: the slug in the URL, checked against the rate limit and then
//! against `Authorization: Bearer …`. Handlers receive only the resulting `TenantScope`.

use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use governor::clock::{Clock, DefaultClock};
use roster_tenant::TenantScope;

use super::error::{unauthorized, ApiError};
use crate::{proto::ScimError, service::Scim};

pub(crate) struct Authenticated(pub TenantScope);

impl Authenticated {
    /// `{public_url}/scim/v2/{slug}`, the base of every `location` and `$ref`.
    pub fn base_url(&self, scim: &Scim) -> String {
        scim.tenancy().scim_base_url(self.0.slug().as_str())
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let scim = req.app_data::<web::Data<Scim>>().cloned();
        let slug = req
            .match_info()
            .get("tenant")
            .unwrap_or_default()
            .to_owned();
        let authorization = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let scim =
                scim.ok_or_else(|| ApiError::from(ScimError::internal("SCIM is not configured")))?;
            // Limited before authentication, so that a flood of bad tokens costs no argon2.
            if let Err(not_until) = scim.inner.limiter.check_key(&slug) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(ApiError {
                    error: ScimError::too_many_requests(
                        "too many requests for this tenant; retry after the delay in Retry-After",
                    ),
                    retry_after: Some(wait.as_secs().max(1)),
                });
            }
            let scope = scim
                .tenancy()
                .authenticate(&slug, authorization.as_deref())
                .await
                .map_err(|e| match e {
                    roster_tenant::Error::Unauthorized => ApiError::from(unauthorized()),
                    other => ApiError::from(other),
                })?;
            req.extensions_mut().insert(scope.clone());
            Ok(Authenticated(scope))
        })
    }
}
