use crate::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone. On SQLite all writes go through one
/// connection (SQLite has one writer at a time; queueing in the pool beats `SQLITE_BUSY`),
/// while reads use a pool of their own; on PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    pub(crate) write: AnyPool,
    pub(crate) read: AnyPool,
}

impl Store {
    /// Opens `url` (`sqlite://path` or `postgres://…`), creating a SQLite file if needed.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres:".into(),
            )
            .into());
        };
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        match backend {
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Store {
                    backend,
                    write: pool.clone(),
                    read: pool,
                })
            }
            Backend::Sqlite => {
                create_sqlite_parent(url);
                let write = sqlite_pool(options.clone(), 1, true).await?;
                // WAL is a property of the file: set once by the writer, then readers share it.
                let read = sqlite_pool(options, 4, false).await?;
                Ok(Store {
                    backend,
                    write,
                    read,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

async fn sqlite_pool(options: AnyConnectOptions, size: u32, writer: bool) -> Result<AnyPool> {
    let pool = AnyPoolOptions::new()
        .max_connections(size)
        .min_connections(if writer { 1 } else { 0 })
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // FULL: an acknowledged write survives a power cut, not only a crash.
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                if writer {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                }
                conn.execute("PRAGMA synchronous = FULL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// `sqlite://dir/file.db?mode=rwc` needs its directory to exist.
fn create_sqlite_parent(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        let _ = std::fs::create_dir_all(parent);
    }
}
