//! Test support: every storage test runs on both engines. SQLite gets a temporary file; for
//! PostgreSQL one throwaway cluster is started per test process (`initdb` + `pg_ctl` in a
//! temporary directory, on a free port, removed when the process ends) and each test gets its
//! own database in it.
//!
//! Without PostgreSQL binaries the PostgreSQL half is skipped with a loud message, except when
//! `CI` is set, where that is a failure.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
};

use sqlx::Connection;

use crate::{DatabaseUrl, Db, DbOptions, Engine};

/// A database of its own for one test.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn engine(&self) -> Engine {
        self.url.engine()
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/roster.db", dir.path().display());
        Self {
            url: DatabaseUrl::parse(&url).expect("a valid sqlite URL"),
            _dir: Some(dir),
        }
    }

    /// A fresh database in this process's cluster, or `None` when PostgreSQL is not installed
    /// and `CI` is not set.
    pub async fn postgres() -> Option<Self> {
        let cluster = match cluster() {
            Ok(cluster) => cluster,
            Err(reason) if running_in_ci() => {
                panic!("PostgreSQL is required in CI but cannot be started: {reason}")
            }
            Err(reason) => {
                eprintln!(
                    "\n!!! SKIPPING the PostgreSQL half of this test: {reason}\n\
                     !!! Install PostgreSQL (apt-get install postgresql) to run it.\n"
                );
                return None;
            }
        };
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
            .await
            .expect("the test cluster accepts connections");
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .expect("a test database");
        Some(Self {
            url: DatabaseUrl::parse(&cluster.url(&name)).expect("a valid postgres URL"),
            _dir: None,
        })
    }

    /// Connects and applies the migrations.
    pub async fn connect(&self) -> Db {
        let db = Db::connect(&self.url, &DbOptions::default())
            .await
            .expect("the test database opens");
        db.migrate().await.expect("the migrations apply");
        db
    }
}

/// Runs an async test body once on SQLite and once on PostgreSQL: each test becomes a module
/// with a `sqlite` and a `postgres` test in it.
#[macro_export]
macro_rules! test_on_both_engines {
    ($(async fn $name:ident($database:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let $database = $crate::testing::TestDatabase::sqlite().await;
                    $body
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some($database) = $crate::testing::TestDatabase::postgres().await else {
                        return;
                    };
                    $body
                }
            }
        )*
    };
}

pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

struct Cluster {
    port: u16,
}

impl Cluster {
    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

fn cluster() -> Result<&'static Cluster, String> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    CLUSTER
        .get_or_init(start_cluster)
        .as_ref()
        .map_err(Clone::clone)
}

/// Finds `initdb` and `pg_ctl` on PATH, or in Debian's versioned directory.
fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|d| d.join("initdb").is_file())
            .collect();
        dirs.sort_by_key(|d| {
            d.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        });
        dirs.pop()
    })
}

fn start_cluster() -> Result<Cluster, String> {
    let bin = postgres_bin_dir().ok_or("initdb and pg_ctl are not on PATH")?;
    let dir = tempfile::Builder::new()
        .prefix("roster-pg-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?
        .keep();
    // initdb refuses to run as root: run the cluster as an unprivileged user then.
    let run_as = if is_root() {
        let user = ["postgres", "nobody"]
            .into_iter()
            .find(|u| command_ok(Command::new("id").arg("-u").arg(u)))
            .ok_or("running as root, and there is no postgres or nobody user")?;
        let chown = Command::new("chown").arg("-R").arg(user).arg(&dir).status();
        if !chown.is_ok_and(|s| s.success()) {
            return Err(format!("cannot chown {} to {user}", dir.display()));
        }
        Some(user)
    } else {
        None
    };
    let data = dir.join("data");
    let log = dir.join("postgres.log");
    let initdb = bin.join("initdb");
    let mut init = as_user(run_as, &initdb);
    init.arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--no-instructions",
    ]);
    run(&mut init, "initdb")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let pg_ctl = bin.join("pg_ctl");
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=400",
        dir.display()
    );
    let mut start = as_user(run_as, &pg_ctl);
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &options, "start"]);
    run(&mut start, "pg_ctl start")?;
    spawn_reaper(&dir, &data, &pg_ctl, run_as);
    Ok(Cluster { port })
}

/// Stops the cluster and removes its directory once this test process has exited.
fn spawn_reaper(dir: &Path, data: &Path, pg_ctl: &Path, run_as: Option<&str>) {
    let stop = match run_as {
        Some(user) => format!("runuser -u {user} -- '{}'", pg_ctl.display()),
        None => format!("'{}'", pg_ctl.display()),
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {stop} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        data = data.display(),
        dir = dir.display(),
    );
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!(
            "cannot start the PostgreSQL reaper ({e}); stop {} by hand",
            data.display()
        );
    }
}

fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(program);
            cmd
        }
        None => Command::new(program),
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn command_ok(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
