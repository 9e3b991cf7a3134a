//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`: read-only, and readable with the
//! tenant's token.

use actix_web::{web, HttpResponse};

use super::{auth::Authenticated, error::ApiResult, scim_response};
use crate::{
    proto::{discovery, ScimError},
    service::Scim,
};

fn base_url(scim: &Scim, auth: &Authenticated) -> String {
    scim.tenancy().scim_base_url(auth.0.slug().as_str())
}

pub(crate) async fn get_service_provider_config(
    scim: web::Data<Scim>,
    auth: Authenticated,
) -> HttpResponse {
    let doc =
        discovery::service_provider_config(&base_url(&scim, &auth), scim.config().max_results);
    scim_response(HttpResponse::Ok(), &doc, None)
}

pub(crate) async fn list_resource_types(
    scim: web::Data<Scim>,
    auth: Authenticated,
) -> HttpResponse {
    scim_response(
        HttpResponse::Ok(),
        &discovery::resource_types(&base_url(&scim, &auth)),
        None,
    )
}

pub(crate) async fn get_resource_type(
    scim: web::Data<Scim>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let doc = discovery::resource_type(&base_url(&scim, &auth), &id)
        .ok_or_else(|| ScimError::not_found(format!("no resource type \"{id}\"")))?;
    Ok(scim_response(HttpResponse::Ok(), &doc, None))
}

pub(crate) async fn list_schemas(scim: web::Data<Scim>, auth: Authenticated) -> HttpResponse {
    scim_response(
        HttpResponse::Ok(),
        &discovery::schemas(&base_url(&scim, &auth)),
        None,
    )
}

pub(crate) async fn get_schema(
    scim: web::Data<Scim>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (_, id) = path.into_inner();
    let doc = discovery::schema(&base_url(&scim, &auth), &id)
        .ok_or_else(|| ScimError::not_found(format!("no schema \"{id}\"")))?;
    Ok(scim_response(HttpResponse::Ok(), &doc, None))
}
