use serde::{Serialize, Serializer};
use std::fmt;

/// An email address that has passed a deliberately simple check: one `@`, a non-empty
/// local part, a domain with a dot, no whitespace or control characters, at most 254
/// characters. Stored lower-cased so that one person is one customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address")]
pub struct InvalidEmail(pub String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let candidate = raw.trim();
        let invalid = || InvalidEmail(raw.chars().take(80).collect());
        if candidate.is_empty() || candidate.len() > 254 {
            return Err(invalid());
        }
        if candidate.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')) {
            return Err(invalid());
        }
        let (local, domain) = candidate.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(candidate.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_addresses_parse_and_are_lower_cased() {
        assert_eq!(Email::parse(" Ana.Silva@Example.COM ").unwrap().as_str(), "ana.silva@example.com");
        assert_eq!(Email::parse("tom+desk@desk.example").unwrap().domain(), "desk.example");
    }

    #[test]
    fn things_that_are_not_addresses_are_rejected() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana @example.com",
            "ana@exa..mple.com",
            "a@b@c.com",
            "ana@example.com\r\nBcc: x@y.z",
            "<ana@example.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn a_parsed_address_never_holds_a_line_break(raw in "\\PC{0,40}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert!(!email.as_str().contains(['\r', '\n']));
                prop_assert!(email.as_str().contains('@'));
            }
        }
    }
}
