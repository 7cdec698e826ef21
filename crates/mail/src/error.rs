//! The one error type, split by what the outbox should do next: give up (permanent) or try
//! again later (transient).

/// Why building, sending or reading a message failed.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid email address {0:?}")]
    InvalidAddress(String),
    #[error("invalid Message-ID {id:?}: {reason}")]
    InvalidMessageId { id: String, reason: String },
    #[error("invalid List-Unsubscribe URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("invalid mail transport URL {url:?}: {reason}")]
    InvalidTransportUrl { url: String, reason: String },
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot parse the message: {0}")]
    Parse(String),
    /// The server answered 5xx: sending the same message again will fail the same way.
    #[error("SMTP server refused the message: {message}")]
    SmtpPermanent { code: u16, message: String },
    /// A 4xx answer, a timeout, a refused or broken connection, a TLS or AUTH failure: the
    /// message may go through later (or once the configuration is fixed).
    #[error("SMTP delivery failed for now: {message}")]
    SmtpTransient { code: Option<u16>, message: String },
    #[error("mailbox directory: {0}")]
    Io(#[from] std::io::Error),
}

impl MailError {
    /// True when retrying the same message cannot succeed: a 5xx answer or a message or
    /// address that is malformed. Configuration and network trouble is not permanent, so
    /// fixing it lets the outbox drain.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::InvalidAddress(_)
            | MailError::InvalidMessageId { .. }
            | MailError::InvalidUrl { .. }
            | MailError::Build(_)
            | MailError::Parse(_)
            | MailError::SmtpPermanent { .. } => true,
            MailError::InvalidTransportUrl { .. } | MailError::SmtpTransient { .. } | MailError::Io(_) => false,
        }
    }

    /// The SMTP reply code, when the server gave one.
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            MailError::SmtpPermanent { code, .. } => Some(*code),
            MailError::SmtpTransient { code, .. } => *code,
            _ => None,
        }
    }
}

impl From<lettre::transport::smtp::Error> for MailError {
    fn from(e: lettre::transport::smtp::Error) -> MailError {
        let code = e.status().map(u16::from);
        let message = error_chain(&e);
        match code {
            Some(code) if e.is_permanent() => MailError::SmtpPermanent { code, message },
            _ => MailError::SmtpTransient { code, message },
        }
    }
}

/// lettre's Display leaves the cause (e.g. "connection refused") to `source()`.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
