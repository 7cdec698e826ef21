//! Bulk import of past ticket events (the CSV import): the rules of [`crate::ingest`] —
//! ordered by `occurred_at`, newer person details win by `seen_at`, one history row per
//! status change, late events kept in the history with `applied = 0`, no surveys — at a
//! fraction of the cost per event.
//!
//! What makes it cheaper than applying events one by one:
//! - no `ticket_events` row (nor stored outcome) per event. Re-importing stays idempotent
//!   because a row that its ticket or its ticket's history already reflects is
//!   [`ImportOutcome::Unchanged`]: the ticket holds what the row says; or the history holds
//!   the row's event id (which the importer derives from the row's content); or, for a row
//!   older than the ticket's state, the history already shows its status at its instant;
//! - organizations, teams, customers and agents are read once per batch and kept in memory;
//!   customers and agents are written back once, at the end of the batch, if they changed;
//! - rows go by chunks of 128: one multi-row `INSERT` creates the chunk's new tickets, one
//!   more their first history rows, one `SELECT` reads (on PostgreSQL, locks) the stored
//!   tickets the other rows name; those rows are then applied in order against that state,
//!   each costing a statement only if it changes something.
//!
//! So a batch of new tickets costs about two statements per 128 rows plus about three per
//! 128 distinct people, and one per distinct organization or team.
//!
//! A large import into SQLite may also set aside the ticket indexes that only serve reads
//! and build them once at its end ([`Store::defer_indexes`], [`Store::restore_indexes`]).

mod fast_hash;
mod indexes;
mod people;
mod statements;
mod tickets;

pub use indexes::{restore_indexes, DEFERRED_INDEXES, DEFER_INDEXES_FROM};

use crate::db::Conn;
use crate::{Result, Store};
use rapport_domain::event::TicketEvent;
use rapport_domain::time::Millis;

/// What importing one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The row created its ticket.
    Created,
    /// The row was the newest for its ticket and changed it.
    Updated,
    /// The row is older than its ticket's state: filed in the ticket's history
    /// (`applied = 0`) only.
    Stale,
    /// Nothing to do: the ticket already holds what the row says, or its history already
    /// records the row (it was imported before).
    Unchanged,
}

impl Store {
    /// Imports a batch of past events in one transaction; answers one outcome per event,
    /// in order. Nothing is surveyed (these are past tickets), and no `ticket_events` row
    /// is kept: importing the same rows again answers [`ImportOutcome::Unchanged`] for
    /// each and changes nothing.
    ///
    /// An event at `now` exactly is taken as one without a time of its own (the CSV
    /// importer dates a row without any timestamp so): it changes a ticket or a person only
    /// if it changes one of their details, never their time alone, so that importing such
    /// rows again, at another `now`, changes nothing either.
    pub async fn import_batch(&self, events: &[TicketEvent], now: Millis) -> Result<Vec<ImportOutcome>> {
        self.import_batch_owned(events.to_vec(), now).await
    }

    /// [`Store::import_batch`] for a batch the caller gives away (no copy).
    pub async fn import_batch_owned(&self, events: Vec<TicketEvent>, now: Millis) -> Result<Vec<ImportOutcome>> {
        self.write_bulk(move |conn| import_events(conn, &events, now)).await
    }
}

/// Imports `events` inside the caller's transaction (see [`Store::import_batch`]).
pub fn import_events(conn: &mut dyn Conn, events: &[TicketEvent], now: Millis) -> Result<Vec<ImportOutcome>> {
    let refs = people::resolve_refs(conn, events, now)?;
    let mut outcomes = Vec::with_capacity(events.len());
    for (events, refs) in events.chunks(CHUNK).zip(refs.chunks(CHUNK)) {
        tickets::import_chunk(conn, events, refs, now, &mut outcomes)?;
    }
    Ok(outcomes)
}

/// Rows per multi-row `INSERT`: 15 parameters each, well under both databases' limits.
const CHUNK: usize = 128;

/// The ids a ticket row points to.
#[derive(Debug, Clone, Copy, Default)]
struct Refs {
    customer_id: Option<i64>,
    agent_id: Option<i64>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
}
