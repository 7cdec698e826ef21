//! The database. One query layer (sqlx's `Any` driver, SQL text shared where the two
//! dialects agree) over SQLite, the embedded default, and PostgreSQL, for scale-out.
//! Each backend has its own migrations folder, embedded in the binary.

mod connect;
mod error;
mod ingest;
mod staff;
mod tickets;
mod tokens;

pub use connect::{Backend, Store};
pub use error::StoreError;
pub use ingest::IngestOutcome;
pub use staff::{NewStaffUser, StaffRole};
pub use tickets::{Countable, HistoryEntry, PersonRef, TicketFilter, TicketView};
pub use tokens::TokenRecord;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
