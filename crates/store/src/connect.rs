//! Opening the database and lending its connections to queries.

use crate::db::postgres::PgConn;
use crate::db::sqlite::SqliteConn;
use crate::db::{migrate, Backend, Conn};
use crate::{Result, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// A handle on the database; cheap to clone. On SQLite all writes go through one
/// connection (SQLite has one writer; waiting here beats `SQLITE_BUSY`) and reads use
/// a few of their own; on PostgreSQL one pool serves both.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

enum Inner {
    Sqlite { writer: Arc<Pool<SqliteConn>>, readers: Arc<Pool<SqliteConn>> },
    Postgres { pool: Arc<Pool<PgConn>> },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend())
    }
}

const POSTGRES_CONNECTIONS: usize = 16;
const SQLITE_READERS: usize = 4;

impl Store {
    /// Opens `url` (`sqlite://path` or `postgres://…`); a SQLite file and its folder are
    /// created when missing.
    pub async fn connect(url: &str) -> Result<Store> {
        let inner = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let url = url.to_string();
            let pool = Pool::new(POSTGRES_CONNECTIONS, move || PgConn::connect(&url));
            pool.run(|conn| conn.query("SELECT 1", &[]).map(drop)).await?;
            Inner::Postgres { pool }
        } else if let Some(path) = sqlite_path(url) {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", parent.display())))?;
            }
            let writer_path = path.clone();
            let writer = Pool::new(1, move || SqliteConn::open(&writer_path));
            // The writer opens first: it switches the file to WAL before readers arrive.
            writer.run(|conn| conn.query("SELECT 1", &[]).map(drop)).await?;
            let readers = Pool::new(SQLITE_READERS, move || SqliteConn::open(&path));
            Inner::Sqlite { writer, readers }
        } else {
            return Err(StoreError::Database("the database URL must start with sqlite: or postgres:".into()));
        };
        Ok(Store { inner: Arc::new(inner) })
    }

    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite { .. } => Backend::Sqlite,
            Inner::Postgres { .. } => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        self.on_writer(migrate::run).await
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        self.read(|conn| conn.query("SELECT 1", &[]).map(drop)).await
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`, rolled back
    /// otherwise. On PostgreSQL a deadlock or serialization failure runs it again.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        self.on_writer(move |conn| in_transaction(conn, work)).await
    }

    /// [`Store::write`] for bulk work that writes only ids it has read or created in the
    /// same transaction: on SQLite its foreign keys are not checked one row at a time (a
    /// lookup per reference per row), since they hold by construction. PostgreSQL checks
    /// them as always.
    pub async fn write_bulk<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        self.on_writer(move |conn| crate::db::without_foreign_keys(conn, |conn| in_transaction(conn, work))).await
    }

    /// Runs `work` on a reading connection (no transaction).
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        match &*self.inner {
            Inner::Sqlite { readers, .. } => readers.run(move |c| work(c)).await,
            Inner::Postgres { pool } => pool.run(move |c| work(c)).await,
        }
    }

    /// For point lookups that take microseconds (a token, an invitation): on SQLite they
    /// run right here when a reader is free, saving two thread hand-offs per request;
    /// otherwise, and on PostgreSQL, this is [`Store::read`].
    pub async fn read_quick<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        if let Inner::Sqlite { readers, .. } = &*self.inner {
            if let Ok(permit) = readers.permits.clone().try_acquire_owned() {
                let idle = readers.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
                if let Some(mut conn) = idle {
                    let result = work(&mut conn);
                    readers.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                    drop(permit);
                    return result;
                }
                drop(permit);
            }
        }
        self.read(work).await
    }

    async fn on_writer<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        match &*self.inner {
            Inner::Sqlite { writer, .. } => writer.run(move |c| work(c)).await,
            Inner::Postgres { pool } => pool.run(move |c| work(c)).await,
        }
    }
}

fn in_transaction<T>(conn: &mut dyn Conn, mut work: impl FnMut(&mut dyn Conn) -> Result<T>) -> Result<T> {
    let begin = match conn.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    let mut attempt = 0;
    loop {
        conn.batch(begin)?;
        match work(conn) {
            Ok(value) => match conn.batch("COMMIT") {
                Ok(()) => return Ok(value),
                Err(error) => {
                    let _ = conn.batch("ROLLBACK");
                    if !(error.is_retryable() && attempt < 5) {
                        return Err(error);
                    }
                }
            },
            Err(error) => {
                conn.batch("ROLLBACK")?;
                if !(error.is_retryable() && attempt < 5) {
                    return Err(error);
                }
            }
        }
        attempt += 1;
    }
}

impl<C: Send + 'static> Drop for Pool<C> {
    /// Closing a PostgreSQL client blocks, which must not happen on the async runtime.
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !idle.is_empty() {
            let closing: Box<dyn Send> = Box::new(idle);
            let _ = std::thread::Builder::new().name("store-close".into()).spawn(move || drop(closing));
        }
    }
}

/// `sqlite://dir/file.db?mode=rwc` or `sqlite:file.db` → the file's path.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// A few connections of one kind, each lent to one blocking task at a time.
struct Pool<C: Send + 'static> {
    idle: Mutex<Vec<C>>,
    permits: Arc<Semaphore>,
    open: Box<dyn Fn() -> Result<C> + Send + Sync>,
}

impl<C: Conn + Send + 'static> Pool<C> {
    fn new(size: usize, open: impl Fn() -> Result<C> + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Pool { idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(size)), open: Box::new(open) })
    }

    async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Conn) -> Result<T> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Database("the store is closed".into()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match idle {
                Some(conn) => conn,
                None => (pool.open)()?,
            };
            let result = work(&mut conn);
            // A connection that lost its server is dropped rather than lent again.
            if !matches!(&result, Err(StoreError::Database(_))) || conn.query("SELECT 1", &[]).is_ok() {
                pool.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
            }
            drop(permit);
            result
        })
        .await
        .map_err(|e| StoreError::Database(format!("a database task failed: {e}")))?
    }
}
