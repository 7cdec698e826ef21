//! The database: one query layer over SQLite, the embedded default, and PostgreSQL, for
//! scale-out. Queries are written once with `$1`-style parameters ([`db::Conn`]); each
//! backend has its own migrations, embedded in the binary.

pub mod backfill;
pub mod backfill_followups;
pub mod backfill_visits;
pub mod bulk;
mod connect;
pub mod db;
mod error;
pub mod followups;
mod ingest;
pub mod insight;
pub mod invitations;
pub mod jobs;
pub mod outbox;
pub mod policies;
pub mod responses;
pub mod rollups;
pub mod sessions;
pub mod settings;
mod staff;
pub mod staff_views;
pub mod survey;
pub mod themes;
mod tickets;
mod tokens;
pub mod visibility;
pub mod visits;

pub use connect::Store;
pub use db::Backend;
pub use error::StoreError;
pub use ingest::{ingest_event, IngestOutcome};
pub use staff::{NewStaffUser, StaffRole, StaffUser};
pub use tickets::{Countable, HistoryEntry, PersonRef, TicketFilter, TicketView};
pub use tokens::TokenRecord;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
