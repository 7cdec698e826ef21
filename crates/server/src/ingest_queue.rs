//! Ticket events go to the database through group commit.

use crate::group_commit::GroupCommit;
use rapport_domain::time::Millis;
use rapport_domain::TicketEvent;
use rapport_store::db::Conn;
use rapport_store::{ingest_event, IngestOutcome, Store};

pub type IngestQueue = GroupCommit<(TicketEvent, Millis), IngestOutcome>;

pub fn start(store: Store) -> IngestQueue {
    GroupCommit::start(store, apply)
}

fn apply(
    conn: &mut dyn Conn,
    (event, received_at): &(TicketEvent, Millis),
    _: &mut (),
) -> rapport_store::Result<IngestOutcome> {
    ingest_event(conn, event, *received_at)
}
