//! Migrations: numbered SQL files per backend, embedded in the binary, each applied once
//! in its own transaction and recorded in `schema_migrations`.

use super::{Backend, Conn};
use crate::params;
use crate::Result;

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../../migrations/sqlite/0002_surveys.sql"),
        postgres: include_str!("../../migrations/postgres/0002_surveys.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../../migrations/sqlite/0003_staff.sql"),
        postgres: include_str!("../../migrations/postgres/0003_staff.sql"),
    },
];

/// An arbitrary constant: the advisory lock that makes instances migrate one at a time.
const MIGRATION_LOCK: i64 = 7_270_001;

pub fn run(conn: &mut dyn Conn) -> Result<()> {
    let backend = conn.backend();
    if backend == Backend::Postgres {
        conn.query("SELECT pg_advisory_lock($1)", params![MIGRATION_LOCK])?;
    }
    let result = apply_pending(conn, backend);
    if backend == Backend::Postgres {
        conn.query("SELECT pg_advisory_unlock($1)", params![MIGRATION_LOCK])?;
    }
    result
}

fn apply_pending(conn: &mut dyn Conn, backend: Backend) -> Result<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )?;
    let applied: Vec<i64> = conn
        .query("SELECT version FROM schema_migrations", params![])?
        .iter()
        .map(|row| row.get(0))
        .collect::<Result<_>>()?;
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let begin = if backend == Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        conn.batch(begin)?;
        let done = conn.batch(sql).and_then(|()| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or_default();
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                params![migration.version, now],
            )
        });
        match done {
            Ok(_) => conn.batch("COMMIT")?,
            Err(error) => {
                conn.batch("ROLLBACK")?;
                return Err(error);
            }
        }
        tracing::info!(version = migration.version, "applied migration");
    }
    Ok(())
}
