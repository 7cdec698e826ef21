//! The small layer under every query: one synchronous connection trait with a SQLite
//! implementation (rusqlite) and a PostgreSQL one (postgres), so each query is written
//! once, with `$1`-style parameters, and runs on either. Queries run on blocking
//! threads; `Store::read` and `Store::write` hand them a connection.

pub mod migrate;
pub mod postgres;
pub mod sqlite;
mod value;

pub use value::{FromValue, Row, ToValue, Value, ValueRef};

use crate::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database connection, whichever the backend.
pub trait Conn {
    fn backend(&self) -> Backend;
    /// Runs one statement; answers the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64>;
    fn query(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Vec<Row>>;
    /// Runs several `;`-separated statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Runs an `INSERT` of one row into a table with an `id` key; answers that id, or
    /// `None` when the row was skipped (`ON CONFLICT DO NOTHING`). SQLite runs `RETURNING`
    /// as a trigger, with a statement journal (a copy of every page the insert touches),
    /// so there it reads the new rowid instead; PostgreSQL appends `RETURNING id`.
    fn insert_id(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<i64>>;

    fn query_opt(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or(StoreError::NotFound)
    }

    /// The first column of the first row, e.g. `SELECT COUNT(*)`.
    fn scalar<T: FromValue>(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<T>
    where
        Self: Sized,
    {
        self.query_one(sql, params)?.get(0)
    }
}

impl dyn Conn + '_ {
    pub fn value<T: FromValue>(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<T> {
        self.query_one(sql, params)?.get(0)
    }
}

/// Runs `work` with SQLite's foreign-key checks off, and turns them on again however it
/// ends. The setting cannot change inside a transaction: `work` begins and ends its own.
/// On PostgreSQL `work` simply runs.
pub fn without_foreign_keys<T>(conn: &mut dyn Conn, work: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
    if conn.backend() != Backend::Sqlite {
        return work(conn);
    }
    conn.batch("PRAGMA foreign_keys = OFF")?;
    let result = work(conn);
    conn.batch("PRAGMA foreign_keys = ON")?;
    result
}

/// `params![a, b]` → `&[&a, &b]` as the trait objects `Conn` takes.
#[macro_export]
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::ToValue] };
    ($($value:expr),+ $(,)?) => { &[$(&$value as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue] };
}
