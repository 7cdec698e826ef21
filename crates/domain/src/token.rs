//! API tokens: 256 bits from the OS random number generator, shown once, stored as a
//! SHA-256 hash (a slow hash buys nothing for a secret this long).

use rand::rngs::OsRng;
use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

const PREFIX: &str = "rpt_";

/// What a token may do. `Admin` implies every other scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Ingest,
    Read,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Ingest, Scope::Read, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }

    /// Whether a token holding `self` may act where `needed` is required.
    pub fn allows(self, needed: Scope) -> bool {
        self == needed || self == Scope::Admin
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown scope {s:?}: expected ingest, read or admin"))
    }
}

/// A freshly made secret. Only [`ApiToken::hash`] is ever stored.
pub struct ApiToken {
    pub secret: String,
}

impl ApiToken {
    pub fn generate() -> Self {
        Self { secret: format!("{PREFIX}{}", random_hex(32)) }
    }

    pub fn hash(&self) -> String {
        hash_secret(&self.secret)
    }

    /// The first characters, safe to show in lists so people can tell tokens apart.
    pub fn display_prefix(&self) -> String {
        self.secret.chars().take(PREFIX.len() + 6).collect()
    }
}

/// `bytes` random bytes from the OS, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.try_fill_bytes(&mut buf).expect("the operating system's random number generator failed");
    hex::encode(buf)
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_implies_every_scope_and_others_only_themselves() {
        for needed in Scope::ALL {
            assert!(Scope::Admin.allows(needed));
        }
        assert!(Scope::Ingest.allows(Scope::Ingest));
        assert!(!Scope::Ingest.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Admin));
    }

    #[test]
    fn tokens_are_long_distinct_and_hashed() {
        let a = ApiToken::generate();
        let b = ApiToken::generate();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), PREFIX.len() + 64);
        assert_eq!(a.hash(), hash_secret(&a.secret));
        assert_ne!(a.hash(), a.secret);
        assert!(a.secret.starts_with(&a.display_prefix()));
    }
}
