//! `/scim/v2/{tenant}/…`: routing, the request-log recorder, and the handlers.

mod auth;
mod body;
mod discovery;
pub(crate) mod error;
mod groups;
mod query;
mod users;

use std::time::Instant;

use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::{from_fn, Next},
    web, HttpResponse,
};

use crate::{proto::ScimError, request_log::RequestLogEntry, service::Scim};
use error::{ApiError, Outcome};

pub(crate) const SCIM_JSON: &str = "application/scim+json";

pub(crate) fn configure(cfg: &mut web::ServiceConfig, scim: Scim) {
    cfg.service(
        web::scope("/scim/v2/{tenant}")
            .app_data(web::Data::new(scim))
            .wrap(from_fn(record))
            .service(
                web::resource("/Users")
                    .route(web::get().to(users::list_users))
                    .route(web::post().to(users::create_user))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/Users/.search")
                    .route(web::post().to(users::search_users))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/Users/{id}")
                    .route(web::get().to(users::get_user))
                    .route(web::put().to(users::replace_user))
                    .route(web::patch().to(users::patch_user))
                    .route(web::delete().to(users::delete_user))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/Groups")
                    .route(web::get().to(groups::list_groups))
                    .route(web::post().to(groups::create_group))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/Groups/.search")
                    .route(web::post().to(groups::search_groups))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/Groups/{id}")
                    .route(web::get().to(groups::get_group))
                    .route(web::put().to(groups::replace_group))
                    .route(web::patch().to(groups::patch_group))
                    .route(web::delete().to(groups::delete_group))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(read_only(
                "/ServiceProviderConfig",
                discovery::get_service_provider_config,
            ))
            .service(read_only("/ResourceTypes", discovery::list_resource_types))
            .service(read_only(
                "/ResourceTypes/{id}",
                discovery::get_resource_type,
            ))
            .service(read_only("/Schemas", discovery::list_schemas))
            .service(read_only("/Schemas/{id}", discovery::get_schema))
            .default_service(web::to(no_such_endpoint)),
    );
}

fn read_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ScimError::method_not_allowed("this endpoint does not support that method").into())
}

async fn no_such_endpoint() -> Result<HttpResponse, ApiError> {
    Err(
        ScimError::not_found("no such SCIM endpoint; the base URL ends in /scim/v2/{your tenant}")
            .into(),
    )
}

/// `304 Not Modified` when the request's `If-None-Match` names the resource's current version.
pub(crate) fn not_modified(req: &actix_web::HttpRequest, version: i64) -> Option<HttpResponse> {
    let current = crate::resource::etag(version);
    let tags = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)?
        .to_str()
        .ok()?;
    tags.split(',').any(|t| t.trim() == current).then(|| {
        HttpResponse::NotModified()
            .insert_header((actix_web::http::header::ETAG, current.clone()))
            .finish()
    })
}

/// A SCIM JSON response carrying what the request did, for the request log.
pub(crate) fn scim_response(
    mut builder: actix_web::HttpResponseBuilder,
    body: &impl serde::Serialize,
    event: Option<&'static str>,
) -> HttpResponse {
    // Serialising a JSON value or a ListResponse cannot fail (string keys only).
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = builder.content_type(SCIM_JSON).body(bytes);
    if event.is_some() {
        response.extensions_mut().insert(Outcome {
            event,
            ..Outcome::default()
        });
    }
    response
}

/// Appends every answered request to the tenant's request log (written in batches).
async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let scim = req.app_data::<web::Data<Scim>>().cloned();
    let slug = req
        .match_info()
        .get("tenant")
        .unwrap_or_default()
        .to_owned();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(scim) = scim {
        let outcome = response
            .response()
            .extensions()
            .get::<Outcome>()
            .cloned()
            .unwrap_or_default();
        let log = &scim.inner.log;
        log.record(
            &slug,
            RequestLogEntry {
                at: log.now(),
                method,
                path,
                status: response.status().as_u16(),
                error_class: outcome.error_class.map(str::to_owned),
                detail: outcome.detail,
                event: outcome.event.map(str::to_owned),
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            },
        );
    }
    Ok(response)
}
