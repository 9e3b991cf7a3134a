//! Handlers of `/Groups`: thin, each turning HTTP into a call of `crate::groups`.

use actix_web::{http::header, web, HttpRequest, HttpResponse};

use super::{
    auth::Authenticated, body::ScimJson, error::ApiResult, query::Params, scim_response,
    users::if_match,
};
use crate::{
    groups,
    proto::{
        list::{ListQuery, SearchRequest},
        patch::PatchRequest,
    },
    resource::etag,
    service::Scim,
    store::groups::GroupRow,
};

fn group_id(path: web::Path<(String, String)>) -> String {
    path.into_inner().1
}

/// One group, with its members unless the query leaves them out, and its ETag.
async fn group_response(
    builder: actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    auth: &Authenticated,
    row: GroupRow,
    base: &str,
    event: Option<&'static str>,
) -> ApiResult<HttpResponse> {
    let (attributes, excluded) = Params::of(req)?.projection();
    let with_members = groups::wants_members(&attributes, &excluded);
    let version = row.version;
    let resource = groups::render_one(&auth.0, row, with_members, base)
        .await?
        .project(&attributes, &excluded);
    let mut builder = builder;
    builder.insert_header((header::ETAG, etag(version)));
    Ok(scim_response(builder, &resource, event))
}

pub(crate) async fn list_groups(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let query = Params::of(&req)?.list_query(scim.config().max_results)?;
    let (total, resources) = groups::list(&auth.0, &query, &auth.base_url(&scim)).await?;
    Ok(scim_response(
        HttpResponse::Ok(),
        &query.response(total, resources),
        None,
    ))
}

pub(crate) async fn search_groups(
    scim: web::Data<Scim>,
    auth: Authenticated,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let search = SearchRequest::from_json(body.0)?;
    let query = ListQuery::from_search(&search, scim.config().max_results)?;
    let (total, resources) = groups::list(&auth.0, &query, &auth.base_url(&scim)).await?;
    Ok(scim_response(
        HttpResponse::Ok(),
        &query.response(total, resources),
        None,
    ))
}

pub(crate) async fn create_group(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let row = groups::create(&auth.0, body.0, scim.tenancy().now()).await?;
    let base = auth.base_url(&scim);
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("{base}/Groups/{}", row.id)));
    group_response(builder, &req, &auth, row, &base, Some("group created")).await
}

pub(crate) async fn get_group(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let row = groups::get(&auth.0, &group_id(path)).await?;
    if let Some(response) = super::not_modified(&req, row.version) {
        return Ok(response);
    }
    group_response(
        HttpResponse::Ok(),
        &req,
        &auth,
        row,
        &auth.base_url(&scim),
        None,
    )
    .await
}

pub(crate) async fn replace_group(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let id = group_id(path);
    let (row, event) =
        groups::replace(&auth.0, &id, body.0, if_match(&req)?, scim.tenancy().now()).await?;
    group_response(
        HttpResponse::Ok(),
        &req,
        &auth,
        row,
        &auth.base_url(&scim),
        Some(event),
    )
    .await
}

pub(crate) async fn patch_group(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let id = group_id(path);
    let request = PatchRequest::from_json(body.0)?;
    let (row, event) = groups::patch(
        &auth.0,
        &id,
        &request,
        if_match(&req)?,
        scim.tenancy().now(),
    )
    .await?;
    group_response(
        HttpResponse::Ok(),
        &req,
        &auth,
        row,
        &auth.base_url(&scim),
        Some(event),
    )
    .await
}

pub(crate) async fn delete_group(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    groups::delete(&auth.0, &group_id(path), if_match(&req)?).await?;
    let mut response = HttpResponse::NoContent().finish();
    response.extensions_mut().insert(super::error::Outcome {
        event: Some("group deleted"),
        ..Default::default()
    });
    Ok(response)
}
