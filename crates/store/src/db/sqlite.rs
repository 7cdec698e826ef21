//! SQLite through rusqlite: one writer connection (SQLite has one writer at a time)
//! and a few readers, all in WAL mode with `synchronous=FULL`.

use super::{Backend, Conn, Row, ToValue, Value, ValueRef as Param};
use crate::{Result, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::path::Path;

pub struct SqliteConn(pub(crate) Connection);

const WAL_CHECKPOINT_PAGES: u32 = 10_000;

impl SqliteConn {
    pub fn open(path: &Path) -> Result<SqliteConn> {
        let conn = Connection::open(path).map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(256);
        // FULL: an acknowledged write survives a power cut, not only a crash. A 32 MiB page
        // cache keeps hot index pages out of read() calls; statement journals stay in memory.
        // No memory map: in WAL mode a reader unmaps the whole file whenever another
        // connection has committed since its last read, and each unmap flushes the TLB of
        // every core (under a load of answers that was a fifth of the request threads' time).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768; PRAGMA mmap_size = 0;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(sqlite_error)?;
        // The commit that takes the WAL past this many pages copies them into the database
        // file, while its whole group commit waits: at SQLite's default (1,000 pages) that
        // was every few groups under load, and pages written again and again (indexes,
        // rollups) were copied every time. About 40 MiB of WAL; ingest gained 8 %.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES).map_err(sqlite_error)?;
        Ok(SqliteConn(conn))
    }
}

/// `$1` → `?1`: numbered parameters that SQLite binds by number, as PostgreSQL does.
/// (Left as `$1`, SQLite would take it for a name, and finding a parameter's name costs a
/// scan of them all: quadratic for a multi-row statement.)
fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('$') {
        sql.replace('$', "?").into()
    } else {
        sql.into()
    }
}

fn bind(statement: &mut rusqlite::CachedStatement<'_>, params: &[&dyn ToValue]) -> Result<()> {
    let wanted = statement.parameter_count();
    if params.len() != wanted {
        return Err(StoreError::Database(format!("{wanted} parameters, {} values given", params.len())));
    }
    for (index, param) in params.iter().enumerate() {
        let value = match param.value_ref() {
            Param::Null => ValueRef::Null,
            Param::Int(i) => ValueRef::Integer(i),
            Param::Real(r) => ValueRef::Real(r),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
        };
        statement.raw_bind_parameter(index + 1, rusqlite::types::ToSqlOutput::Borrowed(value)).map_err(sqlite_error)?;
    }
    Ok(())
}

impl Conn for SqliteConn {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn insert_id(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<i64>> {
        let inserted = self.execute(sql, params)?;
        Ok((inserted == 1).then(|| self.0.last_insert_rowid()))
    }

    fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64> {
        let mut statement = self.0.prepare_cached(&numbered(sql)).map_err(sqlite_error)?;
        bind(&mut statement, params)?;
        Ok(statement.raw_execute().map_err(sqlite_error)? as u64)
    }

    fn query(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Vec<Row>> {
        let mut statement = self.0.prepare_cached(&numbered(sql)).map_err(sqlite_error)?;
        bind(&mut statement, params)?;
        let columns = statement.column_count();
        let mut rows = statement.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i).map_err(sqlite_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Int(i),
                    ValueRef::Real(r) => Value::Real(r),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.0.execute_batch(sql).map_err(sqlite_error)
    }
}

pub fn sqlite_error(error: rusqlite::Error) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    match &error {
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation => {
            StoreError::Constraint(error.to_string())
        }
        rusqlite::Error::SqliteFailure(e, _)
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Busy(error.to_string())
        }
        _ => StoreError::Database(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params;

    fn conn() -> (tempfile::TempDir, SqliteConn) {
        let dir = tempfile::tempdir().unwrap();
        let conn = SqliteConn::open(&dir.path().join("t.db")).unwrap();
        (dir, conn)
    }

    #[test]
    fn dollar_parameters_bind_by_number_whatever_their_order_or_repetition() {
        let (_dir, mut conn) = conn();
        let row = conn.query_one("SELECT $2, $1, $2 || $1, $3", params!["a", "b", 7i64]).unwrap();
        assert_eq!(row.0, [Value::Text("b".into()), Value::Text("a".into()), Value::Text("ba".into()), Value::Int(7)]);
    }

    #[test]
    fn a_parameter_without_a_value_or_a_value_without_a_parameter_is_an_error() {
        let (_dir, mut conn) = conn();
        let error = conn.query("SELECT $1, $2", params![1i64]).unwrap_err();
        assert!(error.to_string().contains("2 parameters, 1 values given"), "{error}");
        let error = conn.query("SELECT $1", params![1i64, 2i64]).unwrap_err();
        assert!(error.to_string().contains("1 parameters, 2 values given"), "{error}");
    }
}
