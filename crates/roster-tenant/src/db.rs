//! The database handle: one `Db` over SQLite or PostgreSQL, chosen by the URL scheme, with the
//! embedded migrations of each engine.

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    PgPool, SqlitePool,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        })
    }
}

/// A parsed database URL. Displays with any password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    engine: Engine,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot parse {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot create the directory {path}: {source}")]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the migrations: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DbError> {
        let invalid = |reason: &str| DbError::InvalidUrl {
            url: mask_password(raw),
            reason: reason.to_owned(),
        };
        let engine = if raw.starts_with("sqlite:") {
            Engine::Sqlite
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            return Err(invalid(
                "expected sqlite://PATH or postgres://USER@HOST/DATABASE",
            ));
        };
        match engine {
            Engine::Sqlite => {
                SqliteConnectOptions::from_str(raw).map_err(|e| invalid(&e.to_string()))?;
            }
            Engine::Postgres => {
                let parsed = url::Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
                if parsed.host_str().unwrap_or("").is_empty() {
                    return Err(invalid("the URL names no host"));
                }
                PgConnectOptions::from_str(raw).map_err(|e| invalid(&e.to_string()))?;
            }
        }
        Ok(Self {
            raw: raw.to_owned(),
            engine,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The unmasked URL, for connecting. Never log it.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// The SQLite file this URL names, if it is a file-backed SQLite URL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let rest = self
            .raw
            .trim_start_matches("sqlite:")
            .trim_start_matches("//");
        let path = rest.split('?').next().unwrap_or("");
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_password(&self.raw))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Replaces the password of a URL with `***`, leaving everything else readable.
pub fn mask_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// How to open the pool.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, shared by every part of Roster. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Pool,
    /// SQLite has one writer; queueing writers here, in order, spares them SQLite's busy
    /// handler, which sleeps and retries and lets unlucky writers wait for hundreds of ms.
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// When this process last asked PostgreSQL to analyse each table (see
    /// [`Db::refresh_statistics_soon`]).
    analysed: std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<&'static str, std::time::Instant>>,
    >,
}

/// How often one process may ask PostgreSQL to analyse one table.
const ANALYSE_AT_MOST_EVERY: Duration = Duration::from_secs(60);

/// Whether the database can serve requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    Unreachable(String),
    MigrationsPending { applied: Option<i64>, expected: i64 },
}

impl Db {
    /// Opens the database (creating a SQLite file and its directory when missing).
    pub async fn connect(url: &DatabaseUrl, options: &DbOptions) -> Result<Self, DbError> {
        let unreachable = |source| DbError::Unreachable {
            url: url.to_string(),
            source,
        };
        let pool = match url.engine() {
            Engine::Sqlite => {
                if let Some(parent) = url.sqlite_file().as_deref().and_then(|f| f.parent()) {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).map_err(|source| DbError::Directory {
                            path: parent.to_path_buf(),
                            source,
                        })?;
                    }
                }
                let connect = SqliteConnectOptions::from_str(url.expose())
                    .map_err(unreachable)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // Rows cross from SQLite's thread to the request's in this channel; with
                    // room for a whole page the thread never waits for the request, which
                    // saves a pair of context switches per few rows on a busy core.
                    .row_buffer_size(1024)
                    // Checkpoints run in the background, four times a second
                    // (`run_checkpoints`). Left to SQLite, a checkpoint runs inside the commit
                    // that crosses the threshold, and every writer queued behind it waited
                    // ~70 ms about once a second under load. This larger threshold only keeps
                    // the WAL bounded if the background checkpoints stop; the size limit gives
                    // the disk back after a burst.
                    .pragma("wal_autocheckpoint", "50000");
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections)
                    // A file on local disk does not drop connections; pinging each one before
                    // each query only cost a round trip to its thread.
                    .test_before_acquire(false)
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(unreachable)?;
                Pool::Sqlite(pool)
            }
            Engine::Postgres => {
                let connect = PgConnectOptions::from_str(url.expose()).map_err(unreachable)?;
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(unreachable)?;
                Pool::Postgres(pool)
            }
        };
        Ok(Self {
            pool,
            writers: Default::default(),
            analysed: Default::default(),
        })
    }

    /// Waits for this process's turn to write, on SQLite; on PostgreSQL writers need no queue.
    /// Hold the guard for the whole write transaction.
    pub async fn queue_for_write(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.pool {
            Pool::Sqlite(_) => Some(self.writers.lock().await),
            Pool::Postgres(_) => None,
        }
    }

    /// After a bulk write to `table`, has PostgreSQL gather its planner statistics in the
    /// background (at most once a minute per table and process; nothing to do on SQLite).
    /// Autovacuum would, but only a minute or so later; until then PostgreSQL plans with no
    /// statistics, believes a 50,000-member group to be nearly empty and reads all of it to
    /// remove a few hundred members. This is PostgreSQL's own advice after a bulk load.
    pub fn refresh_statistics_soon(&self, table: &'static str) {
        let Pool::Postgres(pool) = &self.pool else {
            return;
        };
        {
            let mut analysed = self.analysed.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            if analysed
                .get(table)
                .is_some_and(|at| now.duration_since(*at) < ANALYSE_AT_MOST_EVERY)
            {
                return;
            }
            analysed.insert(table, now);
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(error) = sqlx::query(&format!("analyze {table}"))
                .execute(&pool)
                .await
            {
                tracing::warn!(%error, table, "analysing a table after a bulk write failed");
            }
        });
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies every embedded migration not yet applied.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Answers whether the database responds and carries every embedded migration.
    pub async fn readiness(&self) -> Readiness {
        let expected = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let sql = "select max(version) from _sqlx_migrations where success = true";
        let applied: Result<Option<i64>, sqlx::Error> = match &self.pool {
            Pool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        };
        match applied {
            Ok(Some(v)) if v >= expected => Readiness::Ready,
            Ok(applied) => Readiness::MigrationsPending { applied, expected },
            Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => {
                Readiness::MigrationsPending {
                    applied: None,
                    expected,
                }
            }
            Err(e) => Readiness::Unreachable(e.to_string()),
        }
    }

    /// Checkpoints the SQLite write-ahead log every quarter of a second until `shutdown`; on
    /// PostgreSQL there is nothing to do and it returns at once.
    pub async fn run_checkpoints(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        if self.engine() != Engine::Sqlite {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = tick.tick() => self.checkpoint().await,
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Copies the SQLite write-ahead log into the database file without blocking writers, so
    /// that no request's commit has to; nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) {
        if let Pool::Sqlite(pool) = &self.pool {
            if let Err(error) = sqlx::query("pragma wal_checkpoint(passive)")
                .execute(pool)
                .await
            {
                tracing::warn!(%error, "SQLite checkpoint failed");
            }
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// The pool, for the store modules (use [`with_pool!`](crate::with_pool)).
    pub fn pools(&self) -> PoolRef<'_> {
        match &self.pool {
            Pool::Sqlite(pool) => PoolRef::Sqlite(pool),
            Pool::Postgres(pool) => PoolRef::Postgres(pool),
        }
    }
}

/// A borrowed pool of either engine.
pub enum PoolRef<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// Runs the same code against whichever pool the `Db` holds: the body is compiled once per
/// engine, so one SQL text (with `$1` placeholders) serves both.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.pools() {
            $crate::PoolRef::Sqlite($pool) => $body,
            $crate::PoolRef::Postgres($pool) => $body,
        }
    };
}

/// True when a database error is a unique-constraint violation, on either engine.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}
