//! SCIM groups: one row per group (its document without members) and one row per membership,
//! so that adding or removing a member costs the same whatever the group's size.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roster_tenant::{is_unique_violation, with_pool, TenantScope};
use serde_json::Value;
use sqlx::types::Json;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct GroupRow {
    pub id: String,
    pub doc: Json<Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, doc, version, created_at, updated_at";
/// Rows per multi-row statement: well under both engines' bound-parameter limits.
const CHUNK: usize = 500;

/// A member as a group lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub user_id: String,
    pub user_name: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    DisplayName(String),
    ExternalId(String),
    Id(String),
    Member(String),
}

/// A change to one group's members, applied inside the group's write transaction.
#[derive(Debug, Clone)]
pub(crate) enum MemberWrite {
    Add(Vec<String>),
    Remove(Vec<String>),
    RemoveAll,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    #[error("the displayName is taken")]
    Taken,
    #[error("the group does not exist")]
    NotFound,
    #[error("the group is at another version")]
    VersionMismatch,
    /// Member ids that are not users of this tenant.
    #[error("unknown members")]
    UnknownMembers(Vec<String>),
    #[error(transparent)]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for WriteError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            WriteError::Taken
        } else {
            WriteError::Db(e)
        }
    }
}

/// What a write sets on the group row; `None` leaves the document as it is.
pub(crate) struct GroupWrite<'a> {
    pub doc: Option<&'a Value>,
    pub members: &'a [MemberWrite],
    pub expected_version: Option<i64>,
}

fn display_name(doc: &Value) -> (String, String) {
    let name = doc
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let lower = name.to_lowercase();
    (name, lower)
}

fn external_id(doc: &Value) -> Option<String> {
    doc.get("externalId")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The ids among the additions that are not users of this tenant. Checked before the write
/// transaction, to keep it short: a user deleted in between is simply not added.
async fn unknown_members(
    scope: &TenantScope,
    members: &[MemberWrite],
) -> Result<Vec<String>, sqlx::Error> {
    let mut unknown = Vec::new();
    for change in members {
        let MemberWrite::Add(ids) = change else {
            continue;
        };
        for chunk in ids.chunks(CHUNK) {
            let found: Vec<String> = with_pool!(scope.db(), pool => {
                let mut q = sqlx::QueryBuilder::new("select id from scim_users where tenant_id = ");
                q.push_bind(scope.tenant_id()).push(" and id in (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(id.as_str());
                }
                q.push(")");
                q.build_query_scalar().fetch_all(pool).await?
            });
            let found: std::collections::HashSet<&str> = found.iter().map(String::as_str).collect();
            unknown.extend(
                chunk
                    .iter()
                    .filter(|id| !found.contains(id.as_str()))
                    .cloned(),
            );
        }
    }
    Ok(unknown)
}

/// After a write of at least a chunk of member ids, PostgreSQL is asked to refresh its
/// statistics of memberships (see `Db::refresh_statistics_soon`).
fn after_member_writes(scope: &TenantScope, members: &[MemberWrite]) {
    let ids: usize = members
        .iter()
        .map(|change| match change {
            MemberWrite::Add(ids) | MemberWrite::Remove(ids) => ids.len(),
            MemberWrite::RemoveAll => 0,
        })
        .sum();
    if ids >= CHUNK {
        scope.db().refresh_statistics_soon("scim_memberships");
    }
}

async fn check_members(scope: &TenantScope, members: &[MemberWrite]) -> Result<(), WriteError> {
    let unknown = unknown_members(scope, members).await?;
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(WriteError::UnknownMembers(unknown))
    }
}

/// Runs the member writes with the transaction `$tx`. Shared by create and update.
macro_rules! write_members {
    ($tx:expr, $tenant:expr, $group:expr, $members:expr) => {{
        for change in $members {
            match change {
                MemberWrite::Add(ids) => {
                    for chunk in ids.chunks(CHUNK) {
                        let mut q = sqlx::QueryBuilder::new(
                            "insert into scim_memberships (tenant_id, group_id, user_id, user_name) \
                             select tenant_id, ",
                        );
                        q.push_bind($group)
                            .push(", id, user_name from scim_users where tenant_id = ")
                            .push_bind($tenant)
                            .push(" and id in (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.as_str());
                        }
                        q.push(") on conflict do nothing");
                        q.build().execute(&mut *$tx).await?;
                    }
                }
                MemberWrite::Remove(ids) => {
                    for chunk in ids.chunks(CHUNK) {
                        let mut q = sqlx::QueryBuilder::new(
                            "delete from scim_memberships where tenant_id = ",
                        );
                        q.push_bind($tenant)
                            .push(" and group_id = ")
                            .push_bind($group)
                            .push(" and user_id in (");
                        let mut list = q.separated(", ");
                        for id in chunk {
                            list.push_bind(id.as_str());
                        }
                        q.push(")");
                        q.build().execute(&mut *$tx).await?;
                    }
                }
                MemberWrite::RemoveAll => {
                    sqlx::query(
                        "delete from scim_memberships where tenant_id = $1 and group_id = $2",
                    )
                    .bind($tenant)
                    .bind($group)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
        }
    }};
}

pub(crate) async fn insert(
    scope: &TenantScope,
    id: &str,
    doc: &Value,
    members: &[MemberWrite],
    now: DateTime<Utc>,
) -> Result<(), WriteError> {
    check_members(scope, members).await?;
    let _turn = scope.db().queue_for_write().await;
    let tenant = scope.tenant_id();
    let (name, lower) = display_name(doc);
    with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "insert into scim_groups (tenant_id, id, display_name, display_name_lower, external_id, \
             doc, version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
        )
        .bind(tenant).bind(id).bind(&name).bind(&lower).bind(external_id(doc)).bind(Json(doc)).bind(now)
        .execute(&mut *tx)
        .await?;
        write_members!(tx, tenant, id, members);
        tx.commit().await?;
    });
    after_member_writes(scope, members);
    Ok(())
}

/// Writes a group in one transaction that first takes the group's row (so concurrent writes to
/// one group queue up rather than interleave), then the members, then the document.
/// Returns the new row. With `doc: None` only the version and the members change.
pub(crate) async fn update(
    scope: &TenantScope,
    id: &str,
    write: GroupWrite<'_>,
    plan: impl FnOnce(&GroupRow) -> Result<Option<Value>, crate::proto::ScimError>,
    now: DateTime<Utc>,
) -> Result<Result<GroupRow, crate::proto::ScimError>, WriteError> {
    check_members(scope, write.members).await?;
    let _turn = scope.db().queue_for_write().await;
    let tenant = scope.tenant_id();
    let lock = format!(
        "update scim_groups set version = version + 1, updated_at = $3 \
         where tenant_id = $1 and id = $2 returning {COLUMNS}"
    );
    let row = with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        let row: Option<GroupRow> = sqlx::query_as(&lock)
            .bind(tenant).bind(id).bind(now)
            .fetch_optional(&mut *tx).await?;
        let Some(row) = row else {
            return Err(WriteError::NotFound);
        };
        if write.expected_version.is_some_and(|v| v != row.version - 1) {
            return Err(WriteError::VersionMismatch);
        }
        let new_doc = match write.doc {
            Some(doc) => Some(doc.clone()),
            None => match plan(&row) {
                Ok(doc) => doc,
                Err(e) => return Ok(Err(e)),
            },
        };
        write_members!(tx, tenant, id, write.members);
        let row = match new_doc {
            Some(doc) => {
                let (name, lower) = display_name(&doc);
                sqlx::query(
                    "update scim_groups set display_name = $3, display_name_lower = $4, external_id = $5, doc = $6 \
                     where tenant_id = $1 and id = $2",
                )
                .bind(tenant).bind(id).bind(&name).bind(&lower).bind(external_id(&doc)).bind(Json(&doc))
                .execute(&mut *tx).await?;
                GroupRow { doc: Json(doc), ..row }
            }
            None => row,
        };
        tx.commit().await?;
        row
    });
    after_member_writes(scope, write.members);
    Ok(Ok(row))
}

pub(crate) async fn get(scope: &TenantScope, id: &str) -> Result<Option<GroupRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from scim_groups where tenant_id = $1 and id = $2");
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, GroupRow>(&sql).bind(scope.tenant_id()).bind(id).fetch_optional(pool).await?
    }))
}

pub(crate) async fn delete(
    scope: &TenantScope,
    id: &str,
    expected_version: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let _turn = scope.db().queue_for_write().await;
    let deleted = with_pool!(scope.db(), pool => {
        sqlx::query("delete from scim_groups where tenant_id = $1 and id = $2 and ($3 is null or version = $3)")
            .bind(scope.tenant_id()).bind(id).bind(expected_version)
            .execute(pool).await?.rows_affected()
    });
    Ok(deleted == 1)
}

pub(crate) async fn find(
    scope: &TenantScope,
    lookup: &Lookup,
) -> Result<Vec<GroupRow>, sqlx::Error> {
    let (condition, value) = match lookup {
        Lookup::DisplayName(v) => ("display_name_lower = $2", v.to_lowercase()),
        Lookup::ExternalId(v) => ("external_id = $2", v.clone()),
        Lookup::Id(v) => ("id = $2", v.clone()),
        Lookup::Member(v) => (
            "id in (select group_id from scim_memberships where tenant_id = $1 and user_id = $2)",
            v.clone(),
        ),
    };
    let sql = format!("select {COLUMNS} from scim_groups where tenant_id = $1 and {condition} order by created_at, id");
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, GroupRow>(&sql).bind(scope.tenant_id()).bind(value).fetch_all(pool).await?
    }))
}

pub(crate) async fn count(scope: &TenantScope) -> Result<i64, sqlx::Error> {
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_scalar("select count(*) from scim_groups where tenant_id = $1")
            .bind(scope.tenant_id()).fetch_one(pool).await?
    }))
}

pub(crate) async fn page(
    scope: &TenantScope,
    offset: i64,
    limit: Option<i64>,
) -> Result<Vec<GroupRow>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} from scim_groups where tenant_id = $1 order by created_at, id limit $2 offset $3"
    );
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, GroupRow>(&sql)
            .bind(scope.tenant_id()).bind(limit.unwrap_or(i64::MAX)).bind(offset)
            .fetch_all(pool).await?
    }))
}

/// The packed members of the group `g` (see [`unpack_members`]), as a column expression.
const PACKED_MEMBERS: &str = "(select string_agg(length(m.user_name) || ':' || m.user_id || ':' || \
    m.user_name, '') from scim_memberships m where m.tenant_id = g.tenant_id and m.group_id = g.id)";

fn page_sql(with_members: bool) -> String {
    let members = if with_members { PACKED_MEMBERS } else { "null" };
    format!(
        "select g.id, g.doc, g.version, g.created_at, g.updated_at, \
         (select count(*) from scim_groups where tenant_id = $1) as total, {members} as members \
         from scim_groups g where g.tenant_id = $1 order by g.created_at, g.id limit $2 offset $3"
    )
}

#[derive(sqlx::FromRow)]
struct PageRow {
    #[sqlx(flatten)]
    group: GroupRow,
    total: i64,
    members: Option<String>,
}

/// A page of groups in creation order, with the members of each when `with_members`, and the
/// tenant's number of groups: one query, so one round trip for the whole page.
pub(crate) async fn page_with_members(
    scope: &TenantScope,
    offset: i64,
    limit: i64,
    with_members: bool,
) -> Result<(i64, Vec<(GroupRow, Option<Vec<Member>>)>), sqlx::Error> {
    let sql = page_sql(with_members);
    let rows: Vec<PageRow> = with_pool!(scope.db(), pool => {
        sqlx::query_as(&sql).bind(scope.tenant_id()).bind(limit).bind(offset).fetch_all(pool).await?
    });
    let total = match rows.first() {
        Some(row) => row.total,
        None => count(scope).await?,
    };
    let page = rows
        .into_iter()
        .map(|row| {
            let members = with_members
                .then(|| sorted(unpack_members(row.members.as_deref().unwrap_or_default())));
            (row.group, members)
        })
        .collect();
    Ok((total, page))
}

fn sorted(mut members: Vec<Member>) -> Vec<Member> {
    // Ordered here: an ORDER BY inside the aggregate made SQLite sort every group.
    members.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    members
}

/// The members of the given groups, with each member's userName, keyed by group; each group's
/// members in the order of their ids.
///
/// Each group's members come back as one packed text (see [`unpack_members`]) rather than a row
/// each: a page of 100 groups is 100 rows, not one per member, which halves the cost of
/// `GET /Groups`.
pub(crate) async fn members_of(
    scope: &TenantScope,
    group_ids: &[&str],
) -> Result<HashMap<String, Vec<Member>>, sqlx::Error> {
    let mut by_group = HashMap::new();
    for chunk in group_ids.chunks(CHUNK) {
        let packed: Vec<(String, String)> = with_pool!(scope.db(), pool => {
            let mut q = sqlx::QueryBuilder::new(
                "select group_id, string_agg(length(user_name) || ':' || user_id || ':' || user_name, '') \
                 from scim_memberships where tenant_id = ",
            );
            q.push_bind(scope.tenant_id()).push(" and group_id in (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(") group by group_id");
            q.build_query_as().fetch_all(pool).await?
        });
        for (group, members) in packed {
            by_group.insert(group, sorted(unpack_members(&members)));
        }
    }
    Ok(by_group)
}

/// Reads `members_of`'s packing: for each member, the length of its userName in characters,
/// `:`, its id, `:`, its userName. The length makes any character safe in a userName, and ids
/// (Roster's UUIDs) never contain `:`.
fn unpack_members(packed: &str) -> Vec<Member> {
    unpack_pairs(packed)
        .into_iter()
        .map(|(user_id, user_name)| Member { user_id, user_name })
        .collect()
}

/// Splits `length(name):id:name` entries, concatenated, into `(id, name)` pairs. The length
/// (in characters) lets a name hold any character; ids never hold a colon.
pub(crate) fn unpack_pairs(mut packed: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    while let Some((length, rest)) = packed.split_once(':') {
        let Ok(length) = length.parse::<usize>() else {
            break;
        };
        let Some((id, rest)) = rest.split_once(':') else {
            break;
        };
        let end = rest
            .char_indices()
            .nth(length)
            .map_or(rest.len(), |(at, _)| at);
        let (name, rest) = rest.split_at(end);
        pairs.push((id.to_owned(), name.to_owned()));
        packed = rest;
    }
    pairs
}

/// Orders `(id, displayName)` pairs by name, case-insensitively.
pub(crate) fn sort_by_name(groups: &mut [(String, String)]) {
    groups.sort_by_cached_key(|(id, name)| (name.to_lowercase(), id.clone()));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use roster_tenant::{testing::TestDatabase, with_pool};

    use super::{page_sql, unpack_members, Member};

    /// A tenant whose statistics were sampled while one 5,000-member group filled the table,
    /// and 200 groups of 5 added since.
    async fn one_huge_group_then_small_ones(db: &roster_tenant::Db) {
        huge_group_and_small_ones(db, true).await;
    }

    /// The same, but never analysed, as in the first minute after an identity provider pushed
    /// its directory to a new database (autovacuum is off so that it stays that way).
    async fn huge_group_and_small_ones(db: &roster_tenant::Db, analyse: bool) {
        with_pool!(db, pool => {
            for table in ["scim_users", "scim_memberships"] {
                sqlx::query(&format!("alter table {table} set (autovacuum_enabled = false)"))
                    .execute(pool).await.unwrap();
            }
            for sql in [
                "insert into tenants (id, slug, display_name, state, admin_email, created_at, updated_at) \
                 values ('t', 't', 'T', 'live', 'it@t.example', now(), now())",
                "insert into scim_users (tenant_id, id, user_name, user_name_lower, active, doc, version, created_at, updated_at) \
                 select 't', 'u' || i, 'u' || i, 'u' || i, true, '{}', 1, now(), now() from generate_series(1, 5000) i",
                "insert into scim_groups (tenant_id, id, display_name, display_name_lower, doc, version, created_at, updated_at) \
                 values ('t', 'everyone', 'Everyone', 'everyone', '{}', 1, now(), now())",
                "insert into scim_memberships (tenant_id, group_id, user_id, user_name) select 't', 'everyone', id, user_name from scim_users",
                if analyse { "analyze scim_memberships" } else { "select 1" },
                "insert into scim_groups (tenant_id, id, display_name, display_name_lower, doc, version, created_at, updated_at) \
                 select 't', 'g' || i, 'Team ' || i, 'team ' || i, '{}', 1, now(), now() from generate_series(1, 200) i",
                "insert into scim_memberships (tenant_id, group_id, user_id, user_name) \
                 select 't', 'g' || i, 'u' || (i * 5 + k), 'u' || (i * 5 + k) from generate_series(1, 200) i, generate_series(1, 5) k",
            ] {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        });
    }

    /// A user's groups: memberships by the user index, each group by its key.
    #[tokio::test]
    async fn on_postgres_a_users_groups_are_read_by_key_after_one_huge_group() {
        let Some(database) = TestDatabase::postgres().await else {
            return;
        };
        let db = database.connect().await;
        one_huge_group_then_small_ones(&db).await;
        let plan: Vec<String> = with_pool!(&db, pool => {
            sqlx::query_scalar(&format!("explain {}", crate::store::users::user_with_groups_sql()))
                .bind("t")
                .bind("u7")
                .fetch_all(pool)
                .await
                .unwrap()
        });
        let plan = plan.join("\n");
        assert!(plan.contains("scim_memberships_by_user"), "{plan}");
        assert!(plan.contains("scim_groups_pkey"), "{plan}");
    }

    /// Statistics sampled while one huge group dominated the table made PostgreSQL expect every
    /// group to be that large and scan all memberships for each group of a page (3 pages a
    /// second). The page must read each group's members by key whatever the statistics say.
    #[tokio::test]
    async fn on_postgres_a_page_of_groups_reads_members_by_key_after_one_huge_group() {
        let Some(database) = TestDatabase::postgres().await else {
            return;
        };
        let db = database.connect().await;
        one_huge_group_then_small_ones(&db).await;
        let plan: Vec<String> = with_pool!(&db, pool => {
            sqlx::query_scalar(&format!("explain {}", page_sql(true)))
                .bind("t")
                .bind(100_i64)
                .bind(0_i64)
                .fetch_all(pool)
                .await
                .unwrap()
        });
        let plan = plan.join("\n");
        assert!(plan.contains("scim_memberships_pkey"), "{plan}");
        assert!(!plan.contains("Seq Scan on scim_memberships"), "{plan}");
    }

    /// Before PostgreSQL had analysed memberships, a page of users' groups (one statement over
    /// all the page's users) read every membership of the tenant: a page of 100 users fell from
    /// ~500 to ~150 a second for the first minute after a 50,000-member group arrived. Users
    /// listed by id (`id = any($2)`) were likewise filtered from all of the tenant's.
    #[tokio::test]
    async fn on_postgres_a_page_of_users_reads_groups_by_user_before_any_statistics() {
        let Some(database) = TestDatabase::postgres().await else {
            return;
        };
        let db = database.connect().await;
        huge_group_and_small_ones(&db, false).await;
        let ids: Vec<String> = (1..=100).map(|i| format!("u{i}")).collect();
        let roster_tenant::PoolRef::Postgres(pool) = db.pools() else {
            unreachable!("a PostgreSQL test database")
        };
        let plan: Vec<String> = sqlx::query_scalar(&format!(
            "explain {}",
            crate::store::users::by_ids_sql_postgres()
        ))
        .bind("t")
        .bind(&ids)
        .fetch_all(pool)
        .await
        .unwrap();
        let memberships = plan
            .iter()
            .skip_while(|line| !line.contains("on scim_memberships"))
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            memberships.contains("scim_memberships_by_user"),
            "{plan:#?}"
        );
        assert!(
            memberships.contains("Index Cond: ((tenant_id = ")
                && memberships.contains("AND (user_id = "),
            "{plan:#?}"
        );
        // The users themselves are read by key too, not filtered from all of the tenant's.
        assert!(
            !plan.iter().any(|line| line.contains("Filter")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|line| line.contains("Index Cond: ((tenant_id = 't'::text) AND (id = k.id))")),
            "{plan:#?}"
        );
    }

    fn member(id: &str, name: &str) -> Member {
        Member {
            user_id: id.into(),
            user_name: name.into(),
        }
    }

    #[test]
    fn packed_members_unpack_whatever_their_names_hold() {
        let names = ["ann@acme.example", "12:34", "", "Zoë 山田 🙂", "a:b:c"];
        let packed: String = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}:id-{i}:{n}", n.chars().count()))
            .collect();
        let expected: Vec<Member> = names
            .iter()
            .enumerate()
            .map(|(i, n)| member(&format!("id-{i}"), n))
            .collect();
        assert_eq!(unpack_members(&packed), expected);
        assert_eq!(unpack_members(""), Vec::<Member>::new());
    }
}
