//! The Groups resource. Memberships are rows: a PATCH that adds or removes members touches only
//! those rows, inside one transaction that holds the group's row, so parallel PATCHes to one
//! group queue up and lose nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use roster_tenant::TenantScope;
use serde_json::{json, Value};

use crate::{
    http::error::{ApiError, ApiResult},
    proto::{
        filter::Filter,
        list::{ListQuery, SortOrder},
        patch::{self, plan_group_patch, MemberChange, PatchRequest},
        projection,
        schema::GROUP,
        user::prepare_group,
        ScimError,
    },
    resource::{compare, etag, sort_key, timestamp},
    store::groups::{self as store, GroupRow, GroupWrite, Lookup, Member, MemberWrite, WriteError},
};

fn not_found(id: &str) -> ApiError {
    ScimError::not_found(format!("no group with id \"{id}\" in this tenant")).into()
}

fn write_error(e: WriteError, id: &str, doc: Option<&Value>) -> ApiError {
    match e {
        WriteError::Taken => {
            let name = doc
                .and_then(|d| d.get("displayName"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            ScimError::uniqueness(format!(
                "a group named \"{name}\" already exists in this tenant"
            ))
            .into()
        }
        WriteError::NotFound => not_found(id),
        WriteError::VersionMismatch => {
            ScimError::precondition_failed("the group changed meanwhile; read it again").into()
        }
        WriteError::UnknownMembers(ids) => {
            let shown: Vec<&str> = ids.iter().take(20).map(String::as_str).collect();
            let more = if ids.len() > shown.len() {
                format!(" and {} more", ids.len() - shown.len())
            } else {
                String::new()
            };
            ScimError::invalid_value(format!(
                "these members are not users of this tenant: {}{more}; nothing was changed",
                shown.join(", ")
            ))
            .into()
        }
        WriteError::Db(e) => e.into(),
    }
}

/// Whether a response must carry `members`, given `attributes`/`excludedAttributes`.
pub(crate) fn wants_members(attributes: &[String], excluded: &[String]) -> bool {
    let named = |list: &[String]| {
        list.iter().any(|a| {
            a.eq_ignore_ascii_case("members") || a.to_ascii_lowercase().starts_with("members.")
        })
    };
    let whole = |list: &[String]| list.iter().any(|a| a.eq_ignore_ascii_case("members"));
    !whole(excluded) && (attributes.is_empty() || named(attributes))
}

/// A group as answered: its document (with `id` and `meta`) and, when wanted, its members,
/// which are written straight from their rows rather than built as JSON values first (a page
/// of groups is mostly members).
#[derive(Debug)]
pub(crate) struct GroupResource {
    doc: Value,
    members: Option<Vec<Member>>,
    base_url: Arc<str>,
}

impl GroupResource {
    /// The resource as one JSON value, for filters and for projections of member sub-attributes.
    pub(crate) fn into_value(self) -> Value {
        let mut doc = self.doc;
        if let (Some(members), Some(obj)) = (self.members, doc.as_object_mut()) {
            let members = members
                .iter()
                .map(|m| serde_json::to_value(MemberOut(m, &self.base_url)).unwrap_or_default())
                .collect();
            obj.insert("members".into(), Value::Array(members));
        }
        doc
    }

    /// Applies `attributes`/`excludedAttributes` (members were left out already unless wanted).
    pub(crate) fn project(self, attributes: &[String], excluded: &[String]) -> Self {
        let names_member_part = |list: &[String]| {
            list.iter()
                .any(|a| a.to_ascii_lowercase().starts_with("members."))
        };
        if self.members.is_some() && (names_member_part(attributes) || names_member_part(excluded))
        {
            let base_url = self.base_url.clone();
            let mut doc = self.into_value();
            projection::project(&mut doc, attributes, excluded, &GROUP);
            return Self {
                doc,
                members: None,
                base_url,
            };
        }
        let mut this = self;
        projection::project(&mut this.doc, attributes, excluded, &GROUP);
        this
    }
}

impl serde::Serialize for GroupResource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        if let Some(obj) = self.doc.as_object() {
            for (key, value) in obj {
                map.serialize_entry(key, value)?;
            }
        }
        if let Some(members) = &self.members {
            let members: Vec<MemberOut<'_>> = members
                .iter()
                .map(|m| MemberOut(m, &self.base_url))
                .collect();
            map.serialize_entry("members", &members)?;
        }
        map.end()
    }
}

/// A member as the group lists it: `value`, `display`, `$ref` and `type`.
struct MemberOut<'a>(&'a Member, &'a str);

impl serde::Serialize for MemberOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let MemberOut(member, base_url) = self;
        let mut out = serializer.serialize_struct("Member", 4)?;
        out.serialize_field("value", &member.user_id)?;
        out.serialize_field("display", &member.user_name)?;
        out.serialize_field("$ref", &UserRef(base_url, &member.user_id))?;
        out.serialize_field("type", "User")?;
        out.end()
    }
}

/// `{base_url}/Users/{id}`, written without building the string.
struct UserRef<'a>(&'a str, &'a str);

impl serde::Serialize for UserRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}/Users/{}", self.0, self.1))
    }
}

fn resource(row: GroupRow, members: Option<Vec<Member>>, base_url: &Arc<str>) -> GroupResource {
    let mut doc = row.doc.0;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("id".into(), Value::String(row.id.clone()));
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": "Group",
                "created": timestamp(row.created_at),
                "lastModified": timestamp(row.updated_at),
                "location": format!("{base_url}/Groups/{}", row.id),
                "version": etag(row.version),
            }),
        );
    }
    GroupResource {
        doc,
        members,
        base_url: base_url.clone(),
    }
}

/// Renders one group, with its members when they are wanted.
pub(crate) async fn render_one(
    scope: &TenantScope,
    row: GroupRow,
    with_members: bool,
    base_url: &str,
) -> ApiResult<GroupResource> {
    let members = if with_members {
        let mut members = store::members_of(scope, &[row.id.as_str()]).await?;
        Some(members.remove(&row.id).unwrap_or_default())
    } else {
        None
    };
    Ok(resource(row, members, &Arc::from(base_url)))
}

/// Renders groups, loading their members only when they are wanted.
pub(crate) async fn render(
    scope: &TenantScope,
    rows: Vec<GroupRow>,
    with_members: bool,
    base_url: &str,
) -> ApiResult<Vec<GroupResource>> {
    let base_url: Arc<str> = Arc::from(base_url);
    let mut members = if with_members {
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        Some(store::members_of(scope, &ids).await?)
    } else {
        None
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let mine = members
                .as_mut()
                .map(|m| m.remove(&row.id).unwrap_or_default());
            resource(row, mine, &base_url)
        })
        .collect())
}

fn unique(ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

pub(crate) async fn create(
    scope: &TenantScope,
    body: Value,
    now: DateTime<Utc>,
) -> ApiResult<GroupRow> {
    let (doc, members) = prepare_group(body)?;
    let id = uuid::Uuid::now_v7().to_string();
    let writes = members
        .map(|m| vec![MemberWrite::Add(unique(m))])
        .unwrap_or_default();
    store::insert(scope, &id, &doc, &writes, now)
        .await
        .map_err(|e| write_error(e, &id, Some(&doc)))?;
    Ok(GroupRow {
        id,
        doc: sqlx::types::Json(doc),
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

pub(crate) async fn get(scope: &TenantScope, id: &str) -> ApiResult<GroupRow> {
    store::get(scope, id).await?.ok_or_else(|| not_found(id))
}

pub(crate) async fn replace(
    scope: &TenantScope,
    id: &str,
    body: Value,
    if_match: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<(GroupRow, &'static str)> {
    let (doc, members) = prepare_group(body)?;
    let writes = match members {
        Some(members) => vec![MemberWrite::RemoveAll, MemberWrite::Add(unique(members))],
        None => Vec::new(),
    };
    let write = GroupWrite {
        doc: Some(&doc),
        members: &writes,
        expected_version: if_match,
    };
    let row = store::update(scope, id, write, |_| Ok(None), now)
        .await
        .map_err(|e| write_error(e, id, Some(&doc)))?
        .map_err(ApiError::from)?;
    Ok((
        row,
        if writes.is_empty() {
            "group updated"
        } else {
            "membership changed"
        },
    ))
}

pub(crate) async fn patch(
    scope: &TenantScope,
    id: &str,
    request: &PatchRequest,
    if_match: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<(GroupRow, &'static str)> {
    let plan = plan_group_patch(request)?;
    let mut writes = Vec::new();
    for change in plan.member_changes {
        match change {
            MemberChange::Add(ids) => writes.push(MemberWrite::Add(unique(ids))),
            MemberChange::Remove(ids) => writes.push(MemberWrite::Remove(ids)),
            MemberChange::RemoveAll => writes.push(MemberWrite::RemoveAll),
            MemberChange::Replace(ids) => {
                writes.push(MemberWrite::RemoveAll);
                writes.push(MemberWrite::Add(unique(ids)));
            }
        }
    }
    let other = plan.other;
    let mut renamed: Option<Value> = None;
    let write = GroupWrite {
        doc: None,
        members: &writes,
        expected_version: if_match,
    };
    let result = store::update(
        scope,
        id,
        write,
        |row| {
            if other.is_empty() {
                return Ok(None);
            }
            let mut doc = row.doc.0.clone();
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("id".into(), json!(row.id));
            }
            patch::apply(&mut doc, &other, &GROUP)?;
            let (doc, _) = prepare_group(doc)?;
            renamed = Some(doc.clone());
            Ok(Some(doc))
        },
        now,
    )
    .await;
    let row = result
        .map_err(|e| write_error(e, id, renamed.as_ref()))?
        .map_err(ApiError::from)?;
    Ok((
        row,
        if writes.is_empty() {
            "group updated"
        } else {
            "membership changed"
        },
    ))
}

pub(crate) async fn delete(scope: &TenantScope, id: &str, if_match: Option<i64>) -> ApiResult<()> {
    if let Some(version) = if_match {
        let current = get(scope, id).await?;
        if current.version != version {
            return Err(ScimError::precondition_failed(
                "the group changed meanwhile; read it again",
            )
            .into());
        }
    }
    if store::delete(scope, id, if_match).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

fn lookup_for(filter: &Filter) -> Option<Lookup> {
    crate::resource::indexed_eq(filter, &|path, value| match path {
        "displayName" => Some(Lookup::DisplayName(value)),
        "externalId" => Some(Lookup::ExternalId(value)),
        "id" => Some(Lookup::Id(value)),
        "members.value" => Some(Lookup::Member(value)),
        _ => None,
    })
}

pub(crate) async fn list(
    scope: &TenantScope,
    query: &ListQuery,
    base_url: &str,
) -> ApiResult<(usize, Vec<GroupResource>)> {
    let with_members = wants_members(&query.attributes, &query.excluded_attributes);
    let descending = query.sort_order == SortOrder::Descending;
    let (total, resources) = match (&query.filter, &query.sort_by) {
        (None, None) => {
            let (total, page) = store::page_with_members(
                scope,
                query.offset() as i64,
                query.count as i64,
                with_members,
            )
            .await?;
            let base: Arc<str> = Arc::from(base_url);
            let resources: Vec<GroupResource> = page
                .into_iter()
                .map(|(row, members)| resource(row, members, &base))
                .collect();
            (usize::try_from(total).unwrap_or(0), resources)
        }
        (filter, _) => {
            let candidates = match filter.as_ref().and_then(lookup_for) {
                Some(lookup) => store::find(scope, &lookup).await?,
                None => store::page(scope, 0, None).await?,
            };
            // Filters may name members, so evaluate on whole resources.
            let base: Arc<str> = Arc::from(base_url);
            let mut matching: Vec<Value> = render(scope, candidates, true, base_url)
                .await?
                .into_iter()
                .map(GroupResource::into_value)
                .collect();
            if let Some(filter) = filter {
                matching.retain(|r| filter.matches(r, &GROUP));
            }
            if let Some(path) = &query.sort_by {
                matching.sort_by(|a, b| compare(sort_key(a, path), sort_key(b, path), descending));
            }
            let total = matching.len();
            let page = matching
                .into_iter()
                .skip(query.offset())
                .take(query.count)
                .map(|mut doc| {
                    if !with_members {
                        if let Some(obj) = doc.as_object_mut() {
                            obj.remove("members");
                        }
                    }
                    GroupResource {
                        doc,
                        members: None,
                        base_url: base.clone(),
                    }
                })
                .collect();
            (total, page)
        }
    };
    let resources = resources
        .into_iter()
        .map(|r| r.project(&query.attributes, &query.excluded_attributes))
        .collect();
    Ok((total, resources))
}
