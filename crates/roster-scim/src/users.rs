//! The Users resource: create, read, replace, patch, delete and list, on top of the protocol
//! core and the store. Optimistic versions make every write atomic against concurrent ones.

use chrono::{DateTime, Utc};
use roster_tenant::TenantScope;
use serde_json::{json, Value};

use crate::{
    http::error::{ApiError, ApiResult},
    paging::Anchors,
    proto::{
        filter::Filter,
        list::{ListQuery, SortOrder},
        patch::{self, PatchRequest},
        projection,
        schema::USER,
        user::{is_member_active, prepare_user},
        ScimError,
    },
    resource::{compare, etag, sort_key, timestamp},
    store::users::{self as store, Lookup, StoreError, UserKeys, UserRow},
};

/// How often a PATCH is retried when a concurrent write changed the user in between.
const PATCH_ATTEMPTS: usize = 8;

/// The full SCIM resource of a stored user, with the groups it belongs to.
pub(crate) fn resource(row: &UserRow, groups: &[(String, String)], base_url: &str) -> Value {
    into_resource(row.clone(), groups, base_url)
}

fn into_resource(row: UserRow, groups: &[(String, String)], base_url: &str) -> Value {
    let mut doc = row.doc.0;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("id".into(), json!(row.id));
        if !groups.is_empty() {
            let groups: Vec<Value> = groups
                .iter()
                .map(|(id, name)| {
                    json!({ "value": id, "display": name, "$ref": format!("{base_url}/Groups/{id}"), "type": "direct" })
                })
                .collect();
            obj.insert("groups".into(), Value::Array(groups));
        }
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": timestamp(row.created_at),
                "lastModified": timestamp(row.updated_at),
                "location": format!("{base_url}/Users/{}", row.id),
                "version": etag(row.version),
            }),
        );
    }
    doc
}

fn keys(doc: &Value) -> UserKeys {
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut emails: Vec<String> = doc
        .get("emails")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| e.get("value").and_then(Value::as_str))
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default();
    emails.sort();
    emails.dedup();
    UserKeys {
        user_name: text("userName").unwrap_or_default(),
        external_id: text("externalId"),
        active: is_member_active(doc),
        emails,
    }
}

fn taken(doc: &Value) -> ApiError {
    let name = doc
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    ScimError::uniqueness(format!(
        "a user with userName \"{name}\" already exists in this tenant"
    ))
    .into()
}

fn not_found(id: &str) -> ApiError {
    ScimError::not_found(format!("no user with id \"{id}\" in this tenant")).into()
}

fn store_error(e: StoreError, doc: &Value) -> ApiError {
    match e {
        StoreError::Taken => taken(doc),
        StoreError::Db(e) => e.into(),
    }
}

pub(crate) async fn create(
    scope: &TenantScope,
    body: Value,
    now: DateTime<Utc>,
) -> ApiResult<WithGroups> {
    let doc = prepare_user(body)?;
    let id = uuid::Uuid::now_v7().to_string();
    store::insert(scope, &id, &keys(&doc), &doc, now)
        .await
        .map_err(|e| store_error(e, &doc))?;
    let row = UserRow {
        id,
        doc: sqlx::types::Json(doc),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    Ok((row, Vec::new()))
}

pub(crate) use store::WithGroups;

pub(crate) async fn get(scope: &TenantScope, id: &str) -> ApiResult<WithGroups> {
    store::get_with_groups(scope, id)
        .await?
        .ok_or_else(|| not_found(id))
}

fn render_all(rows: Vec<WithGroups>, base_url: &str) -> Vec<Value> {
    rows.into_iter()
        .map(|(row, groups)| into_resource(row, &groups, base_url))
        .collect()
}

fn event(before: &Value, after: &Value) -> &'static str {
    match (is_member_active(before), is_member_active(after)) {
        (true, false) => "user deactivated",
        (false, true) => "user reactivated",
        _ => "user updated",
    }
}

fn check_version(row: &UserRow, if_match: Option<i64>) -> ApiResult<()> {
    match if_match {
        Some(v) if v != row.version => Err(ScimError::precondition_failed(format!(
            "the user is at version {}, not {v}; read it again",
            etag(row.version)
        ))
        .into()),
        _ => Ok(()),
    }
}

async fn write(
    scope: &TenantScope,
    current: UserRow,
    doc: Value,
    now: DateTime<Utc>,
) -> ApiResult<Option<(UserRow, &'static str)>> {
    let what = event(&current.doc.0, &doc);
    if doc == current.doc.0 {
        return Ok(Some((current, what)));
    }
    let new_keys = keys(&doc);
    let old_keys = keys(&current.doc.0);
    let changes = store::Changes {
        emails: old_keys.emails != new_keys.emails,
        user_name: old_keys.user_name != new_keys.user_name,
    };
    let updated = store::update(
        scope,
        &current.id,
        current.version,
        &new_keys,
        changes,
        &doc,
        now,
    )
    .await
    .map_err(|e| store_error(e, &doc))?;
    Ok(updated.then(|| {
        let row = UserRow {
            doc: sqlx::types::Json(doc),
            version: current.version + 1,
            updated_at: now,
            ..current
        };
        (row, what)
    }))
}

pub(crate) async fn replace(
    scope: &TenantScope,
    id: &str,
    body: Value,
    if_match: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<(WithGroups, &'static str)> {
    let doc = prepare_user(body)?;
    for _ in 0..PATCH_ATTEMPTS {
        let (current, groups) = get(scope, id).await?;
        check_version(&current, if_match)?;
        if let Some((row, what)) = write(scope, current, doc.clone(), now).await? {
            return Ok(((row, groups), what));
        }
    }
    Err(ScimError::new(
        409,
        None,
        "the user kept changing while Roster replaced it; retry",
    )
    .into())
}

pub(crate) async fn patch(
    scope: &TenantScope,
    id: &str,
    request: &PatchRequest,
    if_match: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<(WithGroups, &'static str)> {
    for _ in 0..PATCH_ATTEMPTS {
        let (current, groups) = get(scope, id).await?;
        check_version(&current, if_match)?;
        let mut doc = current.doc.0.clone();
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("id".into(), json!(current.id));
        }
        patch::apply(&mut doc, request, &USER)?;
        let doc = prepare_user(doc)?;
        if let Some((row, what)) = write(scope, current, doc, now).await? {
            return Ok(((row, groups), what));
        }
    }
    Err(ScimError::new(
        409,
        None,
        "the user kept changing while Roster patched it; retry",
    )
    .into())
}

pub(crate) async fn delete(scope: &TenantScope, id: &str, if_match: Option<i64>) -> ApiResult<()> {
    if let Some(version) = if_match {
        check_version(&get(scope, id).await?.0, Some(version))?;
    }
    if store::delete(scope, id, if_match).await? {
        Ok(())
    } else if if_match.is_some() && store::get(scope, id).await?.is_some() {
        Err(ScimError::precondition_failed("the user changed meanwhile; read it again").into())
    } else {
        Err(not_found(id))
    }
}

/// An index that finds every user the filter can match, if there is one.
fn lookup_for(filter: &Filter) -> Option<Lookup> {
    crate::resource::indexed_eq(filter, &|path, value| match path {
        "userName" => Some(Lookup::UserName(value)),
        "externalId" => Some(Lookup::ExternalId(value)),
        "id" => Some(Lookup::Id(value)),
        "emails.value" => Some(Lookup::Email(value)),
        _ => None,
    })
}

/// A page of users as the query asks, with the total number that match.
pub(crate) async fn list(
    scope: &TenantScope,
    query: &ListQuery,
    anchors: &Anchors,
    base_url: &str,
) -> ApiResult<(usize, Vec<Value>)> {
    let sort_in_store = query.sort_by.as_ref().map_or(Some(false), |p| {
        (p.urn.is_none() && p.sub.is_none() && p.name.eq_ignore_ascii_case("userName"))
            .then_some(true)
    });
    let descending = query.sort_order == SortOrder::Descending;
    let (total, mut resources) = match (&query.filter, sort_in_store) {
        (None, Some(by_user_name)) => {
            let totals = store::totals(scope).await?;
            let total = totals.users;
            let rows = if query.count == 0 {
                Vec::new()
            } else if by_user_name {
                store::page_by_user_name(
                    scope,
                    descending,
                    query.offset() as i64,
                    query.count as i64,
                )
                .await?
            } else {
                let tenant = scope.tenant_id();
                let anchor = anchors.nearest(tenant, totals.deletions, query.offset());
                let (rows, found) =
                    store::page_in_order(scope, anchor, query.offset(), query.count).await?;
                for (offset, key) in found {
                    anchors.record(tenant, totals.deletions, offset, key);
                }
                rows
            };
            (
                usize::try_from(total).unwrap_or(0),
                render_all(rows, base_url),
            )
        }
        (filter, _) => {
            let mut candidates = Vec::new();
            match filter.as_ref().and_then(lookup_for) {
                Some(lookup) => candidates = store::find(scope, &lookup).await?,
                None => store::scan(scope, |row| candidates.push(row)).await?,
            }
            let mut matching = render_all(candidates, base_url);
            if let Some(filter) = filter {
                matching.retain(|resource| filter.matches(resource, &USER));
            }
            if let Some(path) = &query.sort_by {
                matching.sort_by(|a, b| compare(sort_key(a, path), sort_key(b, path), descending));
            }
            let total = matching.len();
            let page = matching
                .into_iter()
                .skip(query.offset())
                .take(query.count)
                .collect();
            (total, page)
        }
    };
    for resource in &mut resources {
        projection::project(
            resource,
            &query.attributes,
            &query.excluded_attributes,
            &USER,
        );
    }
    Ok((total, resources))
}
