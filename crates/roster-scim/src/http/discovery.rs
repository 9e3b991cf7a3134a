//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`: read-only, and readable with the
//! tenant's token.

use actix_web::{web, HttpResponse};

use super::{auth::Authenticated, error::ApiResult, scim_response};
use crate::{
    proto::{discovery, ScimError},
    service::Scim,
};

pub(crate) async fn get_service_provider_config(
    scim: web::Data<Scim>,
    auth: Authenticated,
) -> HttpResponse {
    let doc = discovery::service_provider_config(&auth.base_url(&scim), scim.config().max_results);
    scim_response(HttpResponse::Ok(), &doc, None)
}

pub(crate) async fn list_resource_types(
    scim: web::Data<Scim>,
    auth: Authenticated,
) -> HttpResponse {
    scim_response(
        HttpResponse::Ok(),
        &discovery::resource_types(&auth.base_url(&scim)),
        None,
    )
}

pub(crate) async fn get_resource_type(
    scim: web::Data<Scim>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let doc = discovery::resource_type(&auth.base_url(&scim), &id)
        .ok_or_else(|| ScimError::not_found(format!("no resource type \"{id}\"")))?;
    Ok(scim_response(HttpResponse::Ok(), &doc, None))
}

pub(crate) async fn list_schemas(scim: web::Data<Scim>, auth: Authenticated) -> HttpResponse {
    scim_response(
        HttpResponse::Ok(),
        &discovery::schemas(&auth.base_url(&scim)),
        None,
    )
}

pub(crate) async fn get_schema(
    scim: web::Data<Scim>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let doc = discovery::schema(&auth.base_url(&scim), &id)
        .ok_or_else(|| ScimError::not_found(format!("no schema \"{id}\"")))?;
    Ok(scim_response(HttpResponse::Ok(), &doc, None))
}
