//! Rapport's pure rules and types. Nothing here performs I/O, so everything here is
//! unit- and property-tested without a database or a network.

pub mod business_hours;
pub mod email;
pub mod event;
pub mod followup;
pub mod password;
pub mod stats;
pub mod status;
pub mod survey;
pub mod text;
pub mod themes;
pub mod time;
pub mod token;
pub mod visit;

pub use email::Email;
pub use event::{FieldError, TicketEvent, TicketEventInput};
pub use status::TicketStatus;
pub use token::{ApiToken, Scope};
