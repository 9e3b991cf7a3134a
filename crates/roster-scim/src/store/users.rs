//! SCIM users: one row per user (the document as JSON, plus the columns its lookups need) and
//! one row per email address for `emails.value eq` lookups.

use chrono::{DateTime, Utc};
use roster_tenant::{is_unique_violation, with_pool, TenantScope};
use serde_json::Value;
use sqlx::types::Json;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: String,
    pub doc: Json<Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, doc, version, created_at, updated_at";

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
    let tenant = scope.tenant_id();
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
        for email in &keys.emails {
            sqlx::query("insert into scim_user_emails (tenant_id, email_lower, user_id) values ($1, $2, $3)")
                .bind(tenant).bind(email).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
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
pub(crate) async fn update(
    scope: &TenantScope,
    id: &str,
    expected_version: i64,
    keys: &UserKeys,
    doc: &Value,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tenant = scope.tenant_id();
    Ok(with_pool!(scope.db(), pool => {
        let mut tx = pool.begin().await?;
        let updated = sqlx::query(
            "update scim_users set user_name = $3, user_name_lower = $4, external_id = $5, \
             active = $6, doc = $7, version = version + 1, updated_at = $8 \
             where tenant_id = $1 and id = $2 and version = $9",
        )
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
        if updated == 1 {
            sqlx::query("delete from scim_user_emails where tenant_id = $1 and user_id = $2")
                .bind(tenant).bind(id).execute(&mut *tx).await?;
            for email in &keys.emails {
                sqlx::query("insert into scim_user_emails (tenant_id, email_lower, user_id) values ($1, $2, $3)")
                    .bind(tenant).bind(email).bind(id).execute(&mut *tx).await?;
            }
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
    let deleted = with_pool!(scope.db(), pool => {
        sqlx::query(
            "delete from scim_users where tenant_id = $1 and id = $2 and ($3 is null or version = $3)",
        )
        .bind(scope.tenant_id())
        .bind(id)
        .bind(expected_version)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(deleted == 1)
}

/// The users an index finds, in creation order.
pub(crate) async fn find(
    scope: &TenantScope,
    lookup: &Lookup,
) -> Result<Vec<UserRow>, sqlx::Error> {
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
        "select {COLUMNS} from scim_users where tenant_id = $1 and {condition} \
         order by created_at, id"
    );
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, UserRow>(&sql)
            .bind(scope.tenant_id())
            .bind(value)
            .fetch_all(pool)
            .await?
    }))
}

pub(crate) async fn count(scope: &TenantScope) -> Result<i64, sqlx::Error> {
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_scalar("select count(*) from scim_users where tenant_id = $1")
            .bind(scope.tenant_id())
            .fetch_one(pool)
            .await?
    }))
}

/// One page of users in creation order (or by userName).
pub(crate) async fn page(
    scope: &TenantScope,
    by_user_name: bool,
    descending: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let direction = if descending { "desc" } else { "asc" };
    let order = if by_user_name {
        format!("user_name_lower {direction}, id {direction}")
    } else {
        format!("created_at {direction}, id {direction}")
    };
    let sql = format!(
        "select {COLUMNS} from scim_users where tenant_id = $1 order by {order} limit $2 offset $3"
    );
    Ok(with_pool!(scope.db(), pool => {
        sqlx::query_as::<_, UserRow>(&sql)
            .bind(scope.tenant_id())
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
    }))
}

/// Every user of the tenant in creation order, a batch at a time, for filters no index answers.
pub(crate) async fn scan(
    scope: &TenantScope,
    mut visit: impl FnMut(UserRow),
) -> Result<(), sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut after: Option<(DateTime<Utc>, String)> = None;
    loop {
        let rows: Vec<UserRow> = with_pool!(scope.db(), pool => {
            match &after {
                None => sqlx::query_as::<_, UserRow>(&format!(
                    "select {COLUMNS} from scim_users where tenant_id = $1 \
                     order by created_at, id limit $2"
                ))
                .bind(scope.tenant_id())
                .bind(BATCH)
                .fetch_all(pool)
                .await?,
                Some((created, id)) => sqlx::query_as::<_, UserRow>(&format!(
                    "select {COLUMNS} from scim_users where tenant_id = $1 \
                     and (created_at > $2 or (created_at = $2 and id > $3)) \
                     order by created_at, id limit $4"
                ))
                .bind(scope.tenant_id())
                .bind(created)
                .bind(id)
                .bind(BATCH)
                .fetch_all(pool)
                .await?,
            }
        });
        let done = (rows.len() as i64) < BATCH;
        after = rows.last().map(|r| (r.created_at, r.id.clone()));
        rows.into_iter().for_each(&mut visit);
        if done {
            return Ok(());
        }
    }
}
