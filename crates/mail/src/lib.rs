//! Rapport's email: building a message once into its final bytes ([`OutgoingEmail`]),
//! delivering stored bytes unchanged ([`Transport`]: SMTP through lettre, or a directory of
//! `.eml` files), reading messages back ([`parse`]), and a real SMTP server for tests and
//! benchmarks ([`sink`]).

mod error;
mod mailbox;
mod message;
pub mod parse;
pub mod sink;
mod smtp;
mod transport;

pub use error::MailError;
pub use mailbox::{file_name_for, MailboxDir, MailboxEntry};
pub use message::{clean_text, parse_address, parse_message_id, parse_unsubscribe_url, Mailbox, OutgoingEmail};
pub use parse::{parse_message, ParsedMessage};
pub use sink::{ReceivedMessage, SmtpSink};
pub use smtp::SmtpSender;
pub use transport::{SmtpConfig, TlsMode, Transport};
