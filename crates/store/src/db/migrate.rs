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
    Migration {
        version: 4,
        sqlite: include_str!("../../migrations/sqlite/0004_visits.sql"),
        postgres: include_str!("../../migrations/postgres/0004_visits.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../../migrations/sqlite/0005_follow_ups.sql"),
        postgres: include_str!("../../migrations/postgres/0005_follow_ups.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../../migrations/sqlite/0006_rollups.sql"),
        postgres: include_str!("../../migrations/postgres/0006_rollups.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../../migrations/sqlite/0007_themes.sql"),
        postgres: include_str!("../../migrations/postgres/0007_themes.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../../migrations/sqlite/0008_follow_ups_closed.sql"),
        postgres: include_str!("../../migrations/postgres/0008_follow_ups_closed.sql"),
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
    apply_up_to(conn, backend, i64::MAX)?;
    // A large import sets some ticket indexes aside; one that crashed left them missing.
    crate::bulk::restore_indexes(conn)?;
    Ok(())
}

fn apply_up_to(conn: &mut dyn Conn, backend: Backend, last: i64) -> Result<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )?;
    let applied: Vec<i64> = conn
        .query("SELECT version FROM schema_migrations", params![])?
        .iter()
        .map(|row| row.get(0))
        .collect::<Result<_>>()?;
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version) && m.version <= last) {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let sqlite = backend == Backend::Sqlite;
        // SQLite changes a table's constraints by rebuilding it (its documented procedure):
        // foreign keys are off while a migration runs, checked before commit.
        super::without_foreign_keys(conn, |conn| {
            conn.batch(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
            let done = conn.batch(sql).and_then(|()| {
                if sqlite {
                    let broken = conn.query("PRAGMA foreign_key_check", params![])?;
                    if !broken.is_empty() {
                        return Err(crate::StoreError::Corrupt(format!(
                            "migration {} leaves {} rows with broken references",
                            migration.version,
                            broken.len()
                        )));
                    }
                }
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
                Ok(_) => conn.batch("COMMIT"),
                Err(error) => conn.batch("ROLLBACK").and(Err(error)),
            }
        })?;
        tracing::info!(version = migration.version, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sqlite::SqliteConn;

    /// A database with survey history at version 3 keeps every row, reference and id when
    /// migration 4 rebuilds `survey_decisions`, and the one-decision-per-cycle rule holds.
    #[test]
    fn rebuilding_survey_decisions_keeps_history_and_references() {
        let dir = tempfile::tempdir().unwrap();
        let mut sqlite = SqliteConn::open(&dir.path().join("old.db")).unwrap();
        let conn: &mut dyn Conn = &mut sqlite;
        apply_up_to(conn, Backend::Sqlite, 3).unwrap();
        conn.batch(
            "INSERT INTO customers (id, email, seen_at, created_at) VALUES (1, 'ana@example.com', 0, 0);
             INSERT INTO tickets (id, source, external_id, status, customer_id, last_event_at, created_at, updated_at)
                 VALUES (1, 'api', 'INC1', 'closed', 1, 0, 0, 0);
             INSERT INTO survey_policies (id, is_default, body, created_at, updated_at) VALUES (1, 1, '{}', 0, 0);
             INSERT INTO survey_decisions (id, ticket_id, cycle, policy_id, decision, reason, decided_at)
                 VALUES (7, 1, 0, 1, 'invited', 'policy', 0);
             INSERT INTO invitations (id, ticket_id, customer_id, policy_id, decision_id, channel, state, send_at,
                 created_at, updated_at) VALUES (1, 1, 1, 1, 7, 'email', 'sent', 0, 0, 0);",
        )
        .unwrap();
        run(conn).unwrap();
        let kept: i64 = conn
            .value(
                "SELECT COUNT(*) FROM invitations i JOIN survey_decisions d ON d.id = i.decision_id WHERE d.id = 7",
                params![],
            )
            .unwrap();
        assert_eq!(kept, 1);
        assert!(conn.query("PRAGMA foreign_key_check", params![]).unwrap().is_empty());
        let again = conn.execute(
            "INSERT INTO survey_decisions (ticket_id, cycle, policy_id, decision, reason, decided_at)
             VALUES (1, 0, 1, 'invited', 'twice', 0)",
            params![],
        );
        assert!(again.is_err(), "still one decision per ticket cycle");
        conn.batch(
            "INSERT INTO visits (id, ticket_id, technician_name, status, customer_away, visited_at, request_key, created_at)
                 VALUES (1, 1, 'Tom', 'fixed', 1, 0, 'k', 0);
             INSERT INTO survey_decisions (ticket_id, cycle, visit_id, policy_id, decision, reason, decided_at)
                 VALUES (1, 0, 1, 1, 'invited', 'visit', 0);",
        )
        .unwrap();
        let next: i64 = conn.value("SELECT MAX(id) FROM survey_decisions", params![]).unwrap();
        assert_eq!(next, 8, "ids continue after the rebuilt table's");
        let on: i64 = conn.value("PRAGMA foreign_keys", params![]).unwrap();
        assert_eq!(on, 1, "foreign keys are back on after migrating");
    }
}
