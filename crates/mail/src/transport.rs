//! Where messages go: an SMTP server, or a directory of `.eml` files.

use std::fmt;
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::message::parse_address;
use crate::{MailError, MailboxDir, SmtpSender};

/// A configured way of delivering messages. Cheap to share behind an `Arc`; the SMTP side
/// keeps a pool of open connections.
#[derive(Clone)]
pub enum Transport {
    Mailbox(MailboxDir),
    Smtp(SmtpSender),
}

impl Transport {
    /// Reads a transport URL:
    ///
    /// - `mailbox:/path/to/dir`, or a plain path: `.eml` files in that directory;
    /// - `smtp://host[:port]`: plain SMTP (port 25), no TLS;
    /// - `smtp://host[:port]?tls=starttls`: STARTTLS, and delivery fails if the server does
    ///   not offer it (`tls=required` means the same, as in lettre);
    /// - `smtps://host[:port]`: TLS from the first byte (port 465);
    /// - `user:password@` before the host (percent-encoded) for AUTH PLAIN/LOGIN;
    /// - `timeout_secs=N` (default 30) and `pool_size=N` (default 10) in the query.
    ///
    /// TLS is never opportunistic: what the URL says is what happens.
    pub fn from_url(url: &str) -> Result<Transport, MailError> {
        let invalid = |reason: &str| MailError::InvalidTransportUrl { url: redact(url), reason: reason.to_owned() };
        let url = url.trim();
        if url.is_empty() {
            return Err(invalid("empty"));
        }
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s)
            .filter(|s| {
                s.len() > 1
                    && s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            })
            .map(str::to_ascii_lowercase);
        match scheme.as_deref() {
            None => Ok(Transport::Mailbox(MailboxDir::new(url))),
            Some("mailbox") => {
                let path = &url["mailbox:".len()..];
                // `mailbox:///abs` and `mailbox://` + relative read the same as `mailbox:`.
                let path = path.strip_prefix("//").unwrap_or(path);
                if path.is_empty() {
                    return Err(invalid("no directory after mailbox:"));
                }
                Ok(Transport::Mailbox(MailboxDir::new(path)))
            }
            Some("smtp" | "smtps") => {
                Ok(Transport::Smtp(SmtpSender::new(SmtpConfig::from_url(url).map_err(|r| invalid(&r))?)?))
            }
            Some(other) => {
                Err(invalid(&format!("unknown scheme {other:?} (use smtp://, smtps://, mailbox: or a path)")))
            }
        }
    }

    /// Sends raw message bytes (as stored in the outbox) to `to`, with envelope sender
    /// `from`. The bytes go out unchanged, so a retry repeats the same message.
    pub async fn send(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), MailError> {
        match self {
            Transport::Mailbox(dir) => {
                // Checked for the same answers as SMTP would give; the file has no envelope.
                parse_address(from)?;
                parse_address(to)?;
                dir.deliver(raw).await.map(|_| ())
            }
            Transport::Smtp(smtp) => smtp.send(from, to, raw).await,
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Mailbox(dir) => write!(f, "mailbox:{}", dir.path().display()),
            Transport::Smtp(smtp) => write!(f, "{}", smtp.config()),
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text throughout (a relay on localhost or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS; fails when the server does not offer it.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Implicit,
}

/// Settings for [`SmtpSender`], usually read from a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// (user, password) for AUTH.
    pub credentials: Option<(String, String)>,
    /// For opening a session (connect, greeting, TLS, AUTH), and again for each message.
    pub timeout: Duration,
    /// Most connections kept open at once.
    pub pool_size: u32,
}

impl SmtpConfig {
    /// Parses `smtp://…` or `smtps://…` (see [`Transport::from_url`]); the error is the reason.
    pub fn from_url(s: &str) -> Result<SmtpConfig, String> {
        let url = url::Url::parse(s).map_err(|e| e.to_string())?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(format!("unknown scheme {other:?}")),
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err("no host".to_owned()),
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err("unexpected path or fragment".to_owned());
        }
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, Some(password)) if !user.is_empty() => {
                let decode = |s: &str| {
                    percent_decode_str(s)
                        .decode_utf8()
                        .map(|c| c.into_owned())
                        .map_err(|_| "user or password is not UTF-8".to_owned())
                };
                Some((decode(user)?, decode(password)?))
            }
            _ => return Err("give both user and password, as user:password@host".to_owned()),
        };
        let mut config = SmtpConfig {
            host,
            port: url.port().unwrap_or(if implicit { 465 } else { 25 }),
            tls: if implicit { TlsMode::Implicit } else { TlsMode::None },
            credentials,
            timeout: Duration::from_secs(30),
            pool_size: 10,
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit) {
                ("tls", "none", false) => config.tls = TlsMode::None,
                ("tls", "starttls" | "required", false) => config.tls = TlsMode::StartTls,
                ("tls", "required" | "implicit", true) => {}
                ("tls", v, true) => {
                    return Err(format!("smtps:// is always TLS; tls={v} contradicts it"));
                }
                ("tls", v, false) => {
                    return Err(format!("tls={v}: use none, starttls or required"));
                }
                ("timeout_secs", v, _) => {
                    let secs: u64 = v
                        .parse()
                        .ok()
                        .filter(|&n| n > 0 && n <= 3600)
                        .ok_or(format!("timeout_secs={v}: use 1 to 3600"))?;
                    config.timeout = Duration::from_secs(secs);
                }
                ("pool_size", v, _) => {
                    config.pool_size = v
                        .parse()
                        .ok()
                        .filter(|&n| n > 0 && n <= 1000)
                        .ok_or(format!("pool_size={v}: use 1 to 1000"))?;
                }
                (k, _, _) => return Err(format!("unknown parameter {k:?}")),
            }
        }
        Ok(config)
    }
}

impl fmt::Debug for SmtpConfig {
    // Never prints the password: this ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls == TlsMode::Implicit { "smtps" } else { "smtp" };
        let user = match &self.credentials {
            Some((user, _)) => format!("{user}:***@"),
            None => String::new(),
        };
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let tls = if self.tls == TlsMode::StartTls { "?tls=starttls" } else { "" };
        write!(f, "{scheme}://{user}{host}:{}{tls}", self.port)
    }
}

/// The URL with any password replaced, for error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}
