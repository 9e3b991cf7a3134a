//! Handlers of `/Users`: thin, each turning HTTP into a call of `crate::users`.

use actix_web::{http::header, web, HttpRequest, HttpResponse};

use super::{auth::Authenticated, body::ScimJson, error::ApiResult, query::Params, scim_response};
use crate::{
    proto::{list::SearchRequest, patch::PatchRequest, projection, schema::USER},
    service::Scim,
    users,
};

pub(crate) fn if_match(req: &HttpRequest) -> ApiResult<Option<i64>> {
    crate::resource::parse_if_match(
        req.headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A single user, projected as the query asks, with its ETag.
fn user_response(
    builder: actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    (row, groups): &users::WithGroups,
    base: &str,
    event: Option<&'static str>,
) -> ApiResult<HttpResponse> {
    let mut resource = users::resource(row, groups, base);
    let (attributes, excluded) = Params::of(req)?.projection();
    projection::project(&mut resource, &attributes, &excluded, &USER);
    let mut builder = builder;
    builder.insert_header((header::ETAG, crate::resource::etag(row.version)));
    Ok(scim_response(builder, &resource, event))
}

pub(crate) async fn list_users(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let query = Params::of(&req)?.list_query(scim.config().max_results)?;
    let (total, resources) =
        users::list(&auth.0, &query, &scim.inner.anchors, &auth.base_url(&scim)).await?;
    Ok(scim_response(
        HttpResponse::Ok(),
        &query.response(total, resources),
        None,
    ))
}

pub(crate) async fn search_users(
    scim: web::Data<Scim>,
    auth: Authenticated,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let search = SearchRequest::from_json(body.0)?;
    let query = crate::proto::list::ListQuery::from_search(&search, scim.config().max_results)?;
    let (total, resources) =
        users::list(&auth.0, &query, &scim.inner.anchors, &auth.base_url(&scim)).await?;
    Ok(scim_response(
        HttpResponse::Ok(),
        &query.response(total, resources),
        None,
    ))
}

pub(crate) async fn create_user(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let user = users::create(&auth.0, body.0, scim.tenancy().now()).await?;
    let base = auth.base_url(&scim);
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("{base}/Users/{}", user.0.id)));
    user_response(builder, &req, &user, &base, Some("user created"))
}

fn user_id(path: web::Path<(String, String)>) -> String {
    path.into_inner().1
}

pub(crate) async fn get_user(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let user = users::get(&auth.0, &user_id(path)).await?;
    let row = &user.0;
    if let Some(response) = super::not_modified(&req, row.version) {
        return Ok(response);
    }
    user_response(HttpResponse::Ok(), &req, &user, &auth.base_url(&scim), None)
}

pub(crate) async fn replace_user(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let id = user_id(path);
    let (user, event) =
        users::replace(&auth.0, &id, body.0, if_match(&req)?, scim.tenancy().now()).await?;
    user_response(
        HttpResponse::Ok(),
        &req,
        &user,
        &auth.base_url(&scim),
        Some(event),
    )
}

pub(crate) async fn patch_user(
    scim: web::Data<Scim>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: ScimJson,
) -> ApiResult<HttpResponse> {
    let id = user_id(path);
    let request = PatchRequest::from_json(body.0)?;
    let (user, event) = users::patch(
        &auth.0,
        &id,
        &request,
        if_match(&req)?,
        scim.tenancy().now(),
    )
    .await?;
    user_response(
        HttpResponse::Ok(),
        &req,
        &user,
        &auth.base_url(&scim),
        Some(event),
    )
}

pub(crate) async fn delete_user(
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    users::delete(&auth.0, &user_id(path), if_match(&req)?).await?;
    let mut response = HttpResponse::NoContent().finish();
    response.extensions_mut().insert(super::error::Outcome {
        event: Some("user deleted"),
        ..Default::default()
    });
    Ok(response)
}
