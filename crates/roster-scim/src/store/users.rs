//! SCIM users: one row per user (the document as JSON, plus the columns its lookups need) and
//! one row per email address for `emails.value eq` lookups.

use chrono::{DateTime, Utc};
use roster_tenant::{is_unique_violation, with_pool, PoolRef, TenantScope};
use serde_json::Value;
use sqlx::types::Json;

use crate::paging::Key;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: String,
    pub doc: Json<Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, doc, version, created_at, updated_at";

/// Rows of `scim_user_counts` per tenant (see migration 0006).
const COUNT_SHARDS: i64 = 8;

/// Adds `delta` to the tenant's user count, on a shard chosen by the user id.
macro_rules! add_to_count {
    ($executor:expr, $tenant:expr, $id:expr, $delta:expr) => {
        sqlx::query(
            "insert into scim_user_counts (tenant_id, shard, n) values ($1, $2, $3) \
             on conflict (tenant_id, shard) do update set n = scim_user_counts.n + excluded.n",
        )
        .bind($tenant)
        .bind(shard_of($id))
        .bind($delta as i64)
        .execute($executor)
        .await
    };
}

fn shard_of(id: &str) -> i64 {
    let hash = id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    i64::from(hash) % COUNT_SHARDS
}

/// Inserts the user's email rows with one statement.
macro_rules! insert_emails {
    ($executor:expr, $tenant:expr, $id:expr, $emails:expr) => {
        if $emails.is_empty() {
            Ok(())
        } else {
            let mut q = sqlx::QueryBuilder::new(
                "insert into scim_user_emails (tenant_id, email_lower, user_id) ",
            );
            q.push_values($emails, |mut row, email| {
                row.push_bind($tenant)
                    .push_bind(email.as_str())
                    .push_bind($id);
            });
            q.build().execute($executor).await.map(|_| ())
        }
    };
}

/// The columns a user's lookups need, derived from its document.
#[derive(Debug, Clone)]
pub(crate) struct UserKeys {
    pub user_name: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub emails: Vec<String>,
}

/// An index the store can answer a filter from.
#[derive(Debug, Clone)]
pub(crate) enum Lookup {
    UserName(String),
    ExternalId(String),
    Id(String),
    Email(String),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("the userName is taken")]
    Taken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn taken_or(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Taken
    } else {
        StoreError::Db(e)
    }
}

pub(crate) async fn insert(
    scope: &TenantScope,
    id: &str,
    keys: &UserKeys,
    doc: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let _turn = scope.db().queue_for_write().await;
    let tenant = scope.tenant_id();
    if let PoolRef::Sqlite(pool) = scope.db().pools() {
        return insert_in_one_round_trip(pool, tenant, id, keys, doc, now).await;
    }
    with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "insert into scim_users (tenant_id, id, user_name, user_name_lower, external_id, \
             active, doc, version, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
        )
        .bind(tenant)
        .bind(id)
        .bind(&keys.user_name)
        .bind(keys.user_name.to_lowercase())
        .bind(&keys.external_id)
        .bind(keys.active)
        .bind(Json(doc))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(taken_or)?;
        insert_emails!(&mut *tx, tenant, id, &keys.emails)?;
        add_to_count!(&mut *tx, tenant, id, 1)?;
        tx.commit().await?;
    });
    Ok(())
}

/// The same transaction on SQLite, sent as one script: each statement sent on its own is a
/// round trip to the connection's thread, and creates are the writes Okta sends most of at once.
/// A failed statement stops the script; the transaction is then rolled back on the same
/// connection (or the connection is dropped if even that fails).
async fn insert_in_one_round_trip(
    pool: &sqlx::SqlitePool,
    tenant: &str,
    id: &str,
    keys: &UserKeys,
    doc: &Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut script = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "begin immediate; insert into scim_users (tenant_id, id, user_name, user_name_lower, \
         external_id, active, doc, version, created_at, updated_at) values (",
    );
    script
        .separated(", ")
        .push_bind(tenant)
        .push_bind(id)
        .push_bind(&keys.user_name)
        .push_bind(keys.user_name.to_lowercase())
        .push_bind(&keys.external_id)
        .push_bind(keys.active)
        .push_bind(Json(doc))
        .push_unseparated(", 1, ")
        .push_bind_unseparated(now)
        .push_bind(now);
    script.push("); ");
    if !keys.emails.is_empty() {
        script.push("insert into scim_user_emails (tenant_id, email_lower, user_id) ");
        script.push_values(&keys.emails, |mut row, email| {
            row.push_bind(tenant)
                .push_bind(email.as_str())
                .push_bind(id);
        });
        script.push("; ");
    }
    script.push("insert into scim_user_counts (tenant_id, shard, n) values (");
    script
        .separated(", ")
        .push_bind(tenant)
        .push_bind(shard_of(id))
        .push_bind(1_i64);
    script.push(") on conflict (tenant_id, shard) do update set n = scim_user_counts.n + excluded.n; commit");
    let mut conn = pool.acquire().await?;
    match script.build().execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(error) => {
            if sqlx::query("rollback").execute(&mut *conn).await.is_err() {
                drop(conn.detach());
            }
            Err(taken_or(error))
        }
    }
}

/// A user's groups packed into one string, `length(name):group id:name` per group (see
/// [`crate::store::groups::unpack_pairs`]), as a column over the user `u`. A correlated
/// subquery is read through the membership index by user whatever the planner's statistics say:
/// before PostgreSQL had analysed a fresh 50,000-member group, a page's groups read as one
/// statement over all its users scanned every membership of the tenant.
const WITH_GROUPS: &str = "u.id, u.doc, u.version, u.created_at, u.updated_at, \
    (select string_agg((select length(g.display_name) || ':' || g.id || ':' || g.display_name \
    from scim_groups g where g.tenant_id = m.tenant_id and g.id = m.group_id), '') \
    from scim_memberships m where m.tenant_id = u.tenant_id and m.user_id = u.id) as groups";

/// A stored user and the groups it belongs to, as `(id, displayName)` by name.
pub(crate) type WithGroups = (UserRow, Vec<(String, String)>);

#[derive(sqlx::FromRow)]
struct PackedRow {
    #[sqlx(flatten)]
    user: UserRow,
    groups: Option<String>,
}

impl PackedRow {
    fn unpack(self) -> WithGroups {
        let mut groups = self
            .groups
            .as_deref()
            .map(crate::store::groups::unpack_pairs)
            .unwrap_or_default();
        crate::store::groups::sort_by_name(&mut groups);
        (self.user, groups)
    }
}

fn unpack_all(rows: Vec<PackedRow>) -> Vec<WithGroups> {
    rows.into_iter().map(PackedRow::unpack).collect()
}

pub(crate) fn user_with_groups_sql() -> String {
    format!("select {WITH_GROUPS} from scim_users u where u.tenant_id = $1 and u.id = $2")
}

/// A user and the groups it belongs to, in one round trip.
pub(crate) async fn get_with_groups(
    scope: &TenantScope,
    id: &str,
) -> Result<Option<WithGroups>, sqlx::Error> {
    let row: Option<PackedRow> = with_pool!(scope.db(), pool => {
        sqlx::query_as(&user_with_groups_sql()).bind(scope.tenant_id()).bind(id).fetch_optional(pool).await?
    });
    Ok(row.map(PackedRow::unpack))
}

pub(crate) async fn get(scope: &TenantScope, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from scim_users where tenant_id = $1 and id = $2");
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, UserRow>(&sql)
            .bind(scope.tenant_id())
            .bind(id)
            .fetch_optional(pool)
            .await?
    }))
}

/// Replaces a user's document if its version is still `expected_version`. Returns false when
/// the user is gone or was changed meanwhile.
/// Which derived rows an update must rewrite besides the user's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Changes {
    pub emails: bool,
    /// Memberships carry the userName they show as the member's `display`.
    pub user_name: bool,
}

pub(crate) async fn update(
    scope: &TenantScope,
    id: &str,
    expected_version: i64,
    keys: &UserKeys,
    changes: Changes,
    doc: &Value,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let _turn = scope.db().queue_for_write().await;
    let tenant = scope.tenant_id();
    let sql = "update scim_users set user_name = $3, user_name_lower = $4, external_id = $5, \
               active = $6, doc = $7, version = version + 1, updated_at = $8 \
               where tenant_id = $1 and id = $2 and version = $9";
    if !changes.emails && !changes.user_name {
        // One statement needs no transaction of its own.
        let updated = with_pool!(scope.db(), pool => {
            sqlx::query(sql)
                .bind(tenant).bind(id).bind(&keys.user_name).bind(keys.user_name.to_lowercase())
                .bind(&keys.external_id).bind(keys.active).bind(Json(doc)).bind(now).bind(expected_version)
                .execute(pool).await.map_err(taken_or)?.rows_affected()
        });
        return Ok(updated == 1);
    }
    Ok(with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        let updated = sqlx::query(sql)
        .bind(tenant)
        .bind(id)
        .bind(&keys.user_name)
        .bind(keys.user_name.to_lowercase())
        .bind(&keys.external_id)
        .bind(keys.active)
        .bind(Json(doc))
        .bind(now)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(taken_or)?
        .rows_affected();
        if updated == 1 && changes.emails {
            sqlx::query("delete from scim_user_emails where tenant_id = $1 and user_id = $2")
                .bind(tenant).bind(id).execute(&mut *tx).await?;
            insert_emails!(&mut *tx, tenant, id, &keys.emails)?;
        }
        if updated == 1 && changes.user_name {
            sqlx::query("update scim_memberships set user_name = $3 where tenant_id = $1 and user_id = $2")
                .bind(tenant).bind(id).bind(&keys.user_name).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        updated == 1
    }))
}

/// Deletes a user (and, through the foreign keys, its emails and memberships).
pub(crate) async fn delete(
    scope: &TenantScope,
    id: &str,
    expected_version: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let _turn = scope.db().queue_for_write().await;
    let tenant = scope.tenant_id();
    let deleted = with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        let deleted = sqlx::query(
            "delete from scim_users where tenant_id = $1 and id = $2 and ($3 is null or version = $3)",
        )
        .bind(tenant)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted == 1 {
            add_to_count!(&mut *tx, tenant, id, -1)?;
            // The deletion count (shard -1) tells page anchors that positions moved.
            sqlx::query(
                "insert into scim_user_counts (tenant_id, shard, n) values ($1, -1, 1) \
                 on conflict (tenant_id, shard) do update set n = scim_user_counts.n + 1",
            )
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        deleted
    });
    Ok(deleted == 1)
}

/// The users an index finds, in creation order.
pub(crate) async fn find(
    scope: &TenantScope,
    lookup: &Lookup,
) -> Result<Vec<WithGroups>, sqlx::Error> {
    let (condition, value) = match lookup {
        Lookup::UserName(v) => ("user_name_lower = $2", v.to_lowercase()),
        Lookup::ExternalId(v) => ("external_id = $2", v.clone()),
        Lookup::Id(v) => ("id = $2", v.clone()),
        Lookup::Email(v) => (
            "id in (select user_id from scim_user_emails where tenant_id = $1 and email_lower = $2)",
            v.to_lowercase(),
        ),
    };
    let sql = format!(
        "select {WITH_GROUPS} from scim_users u where u.tenant_id = $1 and u.{condition} \
         order by u.created_at, u.id"
    );
    Ok(unpack_all(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, PackedRow>(&sql)
            .bind(scope.tenant_id())
            .bind(value)
            .fetch_all(pool)
            .await?
    })))
}

/// How many users the tenant has, and how many were ever deleted (see `paging`).
pub(crate) struct Totals {
    pub users: i64,
    pub deletions: i64,
}

pub(crate) async fn totals(scope: &TenantScope) -> Result<Totals, sqlx::Error> {
    let sql = "select cast(coalesce(sum(case when shard >= 0 then n else 0 end), 0) as bigint), \
               cast(coalesce(max(case when shard = -1 then n else 0 end), 0) as bigint) \
               from scim_user_counts where tenant_id = $1";
    let (users, deletions): (i64, i64) = with_pool!(scope.db(), pool => {
        sqlx::query_as(sql).bind(scope.tenant_id()).fetch_one(pool).await?
    });
    Ok(Totals { users, deletions })
}

/// The keys of a page in creation order, from an anchor on. The anchor is one row-value
/// comparison so that it bounds the index range on both engines: spelled out as
/// `created_at > $2 or (created_at = $2 and id >= $3)`, PostgreSQL filtered the tenant's index
/// entries from the first one, so each page of an import walk cost more than the last.
pub(crate) const KEYS_FROM_ANCHOR: &str = "select id, created_at from scim_users \
    where tenant_id = $1 and (created_at, id) >= ($2, $3) \
    order by created_at, id limit $4 offset $5";

/// A page of users in creation order, started from `anchor` (a known row at or before
/// `offset`) when there is one. Also returns the keys of the page's first row and of the row
/// after the page, with their offsets, for the next request to start from.
pub(crate) async fn page_in_order(
    scope: &TenantScope,
    anchor: Option<(usize, Key)>,
    offset: usize,
    limit: usize,
) -> Result<(Vec<WithGroups>, Vec<(usize, Key)>), sqlx::Error> {
    let tenant = scope.tenant_id();
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let keys: Vec<(String, DateTime<Utc>)> = with_pool!(scope.db(), pool => {
        match &anchor {
            Some((at, (created, id))) => sqlx::query_as(KEYS_FROM_ANCHOR)
            .bind(tenant).bind(created).bind(id).bind(fetch).bind(i64::try_from(offset - at).unwrap_or(0))
            .fetch_all(pool).await?,
            None => sqlx::query_as(
                "select id, created_at from scim_users where tenant_id = $1 \
                 order by created_at, id limit $2 offset $3",
            )
            .bind(tenant).bind(fetch).bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(pool).await?,
        }
    });
    let mut anchors = Vec::new();
    if let Some((id, created)) = keys.first() {
        anchors.push((offset, (*created, id.clone())));
    }
    if let Some((id, created)) = keys.get(limit) {
        anchors.push((offset + limit, (*created, id.clone())));
    }
    let ids: Vec<String> = keys.into_iter().take(limit).map(|(id, _)| id).collect();
    Ok((by_ids(scope, &ids).await?, anchors))
}

/// The users with these ids and their groups. The ids are one array parameter (one cached plan
/// whatever their number), each looked up by key: `u.id = any($2)` let PostgreSQL without
/// statistics read all the tenant's users and filter them (`offset 0` keeps the lookup per id).
pub(crate) fn by_ids_sql_postgres() -> String {
    format!(
        "select {WITH_GROUPS} from unnest($2::text[]) as k(id) cross join lateral \
         (select * from scim_users where tenant_id = $1 and id = k.id offset 0) as u"
    )
}

/// The users with these ids and their groups, in the order given.
async fn by_ids(scope: &TenantScope, ids: &[String]) -> Result<Vec<WithGroups>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<PackedRow> = match scope.db().pools() {
        PoolRef::Postgres(pool) => {
            sqlx::query_as(&by_ids_sql_postgres())
                .bind(scope.tenant_id())
                .bind(ids)
                .fetch_all(pool)
                .await?
        }
        PoolRef::Sqlite(pool) => {
            let list: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
            let sql = format!(
                "select {WITH_GROUPS} from scim_users u where u.tenant_id = $1 and u.id in ({})",
                list.join(", ")
            );
            let mut rows = sqlx::query_as(&sql).bind(scope.tenant_id());
            for id in ids {
                rows = rows.bind(id.as_str());
            }
            rows.fetch_all(pool).await?
        }
    };
    let position: std::collections::HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut rows = unpack_all(rows);
    rows.sort_by_key(|(r, _)| position.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// One page of users by userName.
pub(crate) async fn page_by_user_name(
    scope: &TenantScope,
    descending: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<WithGroups>, sqlx::Error> {
    let direction = if descending { "desc" } else { "asc" };
    // Skipping `offset` rows reads only the index; the page's documents are fetched after.
    let sql = format!(
        "select id from scim_users where tenant_id = $1 \
         order by user_name_lower {direction}, id {direction} limit $2 offset $3"
    );
    let ids: Vec<String> = with_pool!(scope.db(), pool => {
        sqlx::query_scalar(&sql).bind(scope.tenant_id()).bind(limit).bind(offset).fetch_all(pool).await?
    });
    by_ids(scope, &ids).await
}

/// The next batch of a scan, after the last row of the one before (see [`KEYS_FROM_ANCHOR`]).
fn scan_after_sql() -> String {
    format!(
        "select {WITH_GROUPS} from scim_users u where u.tenant_id = $1 \
         and (u.created_at, u.id) > ($2, $3) order by u.created_at, u.id limit $4"
    )
}

/// Every user of the tenant in creation order, a batch at a time, for filters no index answers.
pub(crate) async fn scan(
    scope: &TenantScope,
    mut visit: impl FnMut(WithGroups),
) -> Result<(), sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut after: Option<(DateTime<Utc>, String)> = None;
    loop {
        let rows: Vec<PackedRow> = with_pool!(scope.db(), pool => {
            match &after {
                None => sqlx::query_as::<_, PackedRow>(&format!(
                    "select {WITH_GROUPS} from scim_users u where u.tenant_id = $1 \
                     order by u.created_at, u.id limit $2"
                ))
                .bind(scope.tenant_id())
                .bind(BATCH)
                .fetch_all(pool)
                .await?,
                Some((created, id)) => sqlx::query_as::<_, PackedRow>(&scan_after_sql())
                .bind(scope.tenant_id())
                .bind(created)
                .bind(id)
                .bind(BATCH)
                .fetch_all(pool)
                .await?,
            }
        });
        let done = (rows.len() as i64) < BATCH;
        after = rows.last().map(|r| (r.user.created_at, r.user.id.clone()));
        rows.into_iter().map(PackedRow::unpack).for_each(&mut visit);
        if done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use roster_tenant::{testing::TestDatabase, with_pool, Db};

    /// The plan PostgreSQL or SQLite would run for `sql` from an anchor: a tenant, a time and an
    /// id, then the limit and offset when `paged`.
    async fn plan_from_anchor(db: &Db, sql: &str, paged: bool) -> String {
        let at = chrono::Utc::now();
        with_pool!(db, pool => {
            let mut sql = format!("explain {sql}");
            if matches!(db.pools(), roster_tenant::PoolRef::Sqlite(_)) {
                sql = sql.replacen("explain", "explain query plan", 1);
            }
            let rows = sqlx::query(&sql).bind("t").bind(at).bind("u1").bind(100_i64);
            let rows = if paged { rows.bind(10_i64) } else { rows };
            let rows = rows.fetch_all(pool).await.unwrap();
            rows.iter()
                .map(|row| {
                    use sqlx::Row;
                    let last = row.len() - 1;
                    row.get::<String, _>(last)
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// An import walk asks for page after page; each must start at its anchor in the index, not
    /// filter the tenant's entries from the first (PostgreSQL did, with the anchor spelled as an
    /// `or`), and so must each batch of a filter's scan.
    #[tokio::test]
    async fn pages_and_scans_from_an_anchor_seek_it_in_the_index_on_both_engines() {
        let mut databases = vec![TestDatabase::sqlite().await];
        databases.extend(TestDatabase::postgres().await);
        for database in databases {
            let db = database.connect().await;
            let keys = plan_from_anchor(&db, super::KEYS_FROM_ANCHOR, true).await;
            let scan = plan_from_anchor(&db, &super::scan_after_sql(), false).await;
            for plan in [keys, scan] {
                let seeks = plan.contains("(tenant_id=? AND (created_at,id)>(?,?))")
                    || plan.contains("Index Cond: ((tenant_id = $1) AND (ROW(created_at, id)")
                    || plan.contains("Index Cond: ((tenant_id = 't'::text) AND (ROW(");
                assert!(seeks, "{plan}");
                assert!(!plan.contains("Filter"), "{plan}");
            }
        }
    }

    /// A user's groups come from the index by user, never from every membership of the tenant
    /// (a tenant with a 50,000-member group made each `GET /Users/{id}` read 50,000 rows).
    #[tokio::test]
    async fn reading_a_user_with_its_groups_seeks_the_membership_index_by_user() {
        let database = TestDatabase::sqlite().await;
        let db = database.connect().await;
        let plan: Vec<(i64, i64, i64, String)> = with_pool!(&db, pool => {
            sqlx::query_as(&format!("explain query plan {}", super::user_with_groups_sql()))
                .bind("t")
                .bind("u")
                .fetch_all(pool)
                .await
                .unwrap()
        });
        let memberships = plan
            .iter()
            .map(|(_, _, _, step)| step.as_str())
            .find(|step| step.contains("scim_memberships") || step.contains(" m "))
            .unwrap_or_default()
            .to_owned();
        assert!(
            memberships.contains("scim_memberships_by_user (tenant_id=? AND user_id=?)"),
            "plan: {plan:?}"
        );
    }
}
