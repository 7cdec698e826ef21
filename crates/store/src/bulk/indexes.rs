//! The secondary indexes of `tickets`, set aside during a large import into SQLite and
//! built again, once each, at its end.
//!
//! Why: every new ticket adds an entry to each of them, and customer ids come in no order,
//! so a batch dirties thousands of index pages, each written to the WAL at every commit.
//! Building an index by sorting the finished table costs less than keeping it up to date
//! row by row once the import brings about as many tickets as the table already holds.
//!
//! Only indexes that speed up reads are set aside. The unique ones that upserts and
//! re-imports rely on (tickets by source and external id, people by email, organizations
//! and teams by name) stay, and so does the history's, which the import itself reads.
//!
//! Dropping them is committed at once, so a process that dies mid-import leaves them
//! missing: [`restore_indexes`] builds whichever is missing. The importer calls it when it
//! ends, however it ends, and opening the database (migrating) calls it too, so the next
//! start of any `rapport` command puts them back. Meanwhile the data is complete and
//! correct; only reads by customer, agent, team or status are slower.

use crate::db::{Backend, Conn};
use crate::{params, Result, Store};

/// The indexes a large import sets aside: name, and the statement that builds it — the
/// same definition as in the migrations (a test compares them).
pub const DEFERRED_INDEXES: &[(&str, &str)] = &[
    ("tickets_customer", "CREATE INDEX IF NOT EXISTS tickets_customer ON tickets(customer_id)"),
    ("tickets_agent", "CREATE INDEX IF NOT EXISTS tickets_agent ON tickets(agent_id)"),
    ("tickets_team", "CREATE INDEX IF NOT EXISTS tickets_team ON tickets(team_id)"),
    ("tickets_status_updated", "CREATE INDEX IF NOT EXISTS tickets_status_updated ON tickets(status, updated_at)"),
];

/// The fewest rows (estimated) for which an import sets the indexes aside: below this,
/// keeping them up to date costs less than building them again.
pub const DEFER_INDEXES_FROM: u64 = 50_000;

impl Store {
    /// Before importing about `rows` rows: on SQLite, drops the indexes of
    /// [`DEFERRED_INDEXES`] if the import is large — at least `min_rows` rows, and at least
    /// as many as the tickets already stored (building is in proportion to the whole
    /// table). Answers whether it did; if so, [`Store::restore_indexes`] must follow the
    /// import, whether it succeeded or not. On PostgreSQL it does nothing.
    pub async fn defer_indexes(&self, rows: u64, min_rows: u64) -> Result<bool> {
        if self.backend() != Backend::Sqlite || rows < min_rows {
            return Ok(false);
        }
        self.write(move |conn| {
            let stored: i64 = conn.value("SELECT COALESCE(MAX(id), 0) FROM tickets", params![])?;
            if rows < u64::try_from(stored).unwrap_or(u64::MAX) {
                return Ok(false);
            }
            for (name, _) in DEFERRED_INDEXES {
                // The names come from the list above, never from input.
                conn.batch(&format!("DROP INDEX IF EXISTS {name}"))?;
            }
            Ok(true)
        })
        .await
    }

    /// Builds whichever of [`DEFERRED_INDEXES`] is missing, in one transaction; answers
    /// how many it built.
    pub async fn restore_indexes(&self) -> Result<usize> {
        self.write(|conn| {
            if conn.backend() != Backend::Sqlite {
                return Ok(0);
            }
            // Sorting the keys is most of a build: let SQLite's sorter use the other cores
            // (the import has finished with them).
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
            conn.batch(&format!("PRAGMA threads = {cores}"))?;
            let built = restore_indexes(conn);
            conn.batch("PRAGMA threads = 0")?;
            built
        })
        .await
    }
}

/// Builds whichever of [`DEFERRED_INDEXES`] is missing (SQLite; nothing to do on
/// PostgreSQL, where they are never dropped); answers how many it built. Run after the
/// migrations at every start, inside or outside a transaction.
pub fn restore_indexes(conn: &mut dyn Conn) -> Result<usize> {
    if conn.backend() != Backend::Sqlite {
        return Ok(0);
    }
    let mut built = 0;
    for (name, create) in DEFERRED_INDEXES {
        let present: i64 =
            conn.value("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1", params![*name])?;
        if present == 0 {
            conn.batch(create)?;
            built += 1;
        }
    }
    if built > 0 {
        tracing::info!(built, "built the ticket indexes a bulk import had set aside");
    }
    Ok(built)
}
