use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The life-cycle state of a ticket, as the ticketing tool reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    New,
    Open,
    Pending,
    Resolved,
    Closed,
    Reopened,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] =
        [Self::New, Self::Open, Self::Pending, Self::Resolved, Self::Closed, Self::Reopened];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    /// Work on the ticket is finished (the moment a survey may be considered).
    pub fn is_done(self) -> bool {
        matches!(self, Self::Resolved | Self::Closed)
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}: expected one of new, open, pending, resolved, closed, reopened")]
pub struct UnknownStatus(pub String);

impl FromStr for TicketStatus {
    type Err = UnknownStatus;

    /// Case-insensitive, so CSV exports from any tool parse.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|status| status.as_str() == lower).ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in TicketStatus::ALL {
            assert_eq!(status.as_str().parse::<TicketStatus>(), Ok(status));
            assert_eq!(status.as_str().to_uppercase().parse::<TicketStatus>(), Ok(status));
        }
    }

    #[test]
    fn an_unknown_status_is_rejected_with_its_name() {
        let err = "solved".parse::<TicketStatus>().unwrap_err();
        assert!(err.to_string().contains("solved"));
    }
}
