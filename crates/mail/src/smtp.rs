//! SMTP delivery over a small pool of reused sessions.
//!
//! lettre speaks the protocol; the pool is ours, because lettre's own pool neither caps the
//! sessions in use (500 concurrent sends open 500 connections), nor times out a server that
//! stops answering mid-session, nor sets TCP_NODELAY. The last matters most: lettre writes
//! the message and the closing `.` separately, so with Nagle's algorithm the `.` waits for
//! the server's delayed ACK (40 ms on Linux) on every message.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::message::parse_address;
use crate::{MailError, SmtpConfig, TlsMode};

/// A parked session older than this is checked with NOOP before reuse: servers close idle
/// sessions, and a message sent into a closed one would fail for no good reason.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(2);
/// A parked session older than this is closed rather than reused.
const MAX_IDLE: Duration = Duration::from_secs(60);

/// [`TlsMode`] with the TLS parameters it needs, so that no mode can lack them.
#[derive(Clone)]
enum Security {
    Plain,
    StartTls(TlsParameters),
    Implicit(TlsParameters),
}

/// Sends over SMTP, at most `pool_size` sessions at once, each reused for many messages.
/// Clones share the pool.
#[derive(Clone)]
pub struct SmtpSender {
    config: SmtpConfig,
    security: Security,
    hello: ClientId,
    sessions: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<(AsyncSmtpConnection, Instant)>>>,
}

impl SmtpSender {
    /// Checks the configuration (TLS setup included); connects only when sending.
    pub fn new(config: SmtpConfig) -> Result<SmtpSender, MailError> {
        let tls = || {
            TlsParameters::new(config.host.clone()).map_err(|e| MailError::InvalidTransportUrl {
                url: config.to_string(),
                reason: format!("TLS setup: {e}"),
            })
        };
        let security = match config.tls {
            TlsMode::None => Security::Plain,
            TlsMode::StartTls => Security::StartTls(tls()?),
            TlsMode::Implicit => Security::Implicit(tls()?),
        };
        if config.credentials.is_some() && config.tls == TlsMode::None {
            tracing::warn!(smtp = %config, "SMTP credentials will be sent without TLS");
        }
        Ok(SmtpSender {
            sessions: Arc::new(Semaphore::new(config.pool_size as usize)),
            idle: Arc::default(),
            hello: ClientId::default(),
            security,
            config,
        })
    }

    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// One transaction: MAIL FROM `from`, RCPT TO `to`, DATA `raw` (dot-stuffed by lettre).
    pub async fn send(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), MailError> {
        let envelope = Envelope::new(Some(parse_address(from)?), vec![parse_address(to)?])
            .map_err(|e| MailError::Build(e.to_string()))?;
        let _slot = self.sessions.acquire().await.expect("the semaphore is never closed");
        let mut conn = self.within_timeout("opening a session", self.session()).await?;
        let sent = self.within_timeout("sending", async { Ok(conn.send(&envelope, raw).await?) }).await;
        // lettre closes the session itself after any error (`has_broken`).
        if sent.is_ok() && !conn.has_broken() {
            self.park(conn);
        }
        sent.map(|_| ())
    }

    /// Opens (or reuses) a session and checks the server answers NOOP: a health check.
    pub async fn test_connection(&self) -> Result<(), MailError> {
        let _slot = self.sessions.acquire().await.expect("the semaphore is never closed");
        let mut conn = self.within_timeout("opening a session", self.session()).await?;
        if self.within_timeout("NOOP", async { Ok(conn.test_connected().await) }).await? {
            self.park(conn);
            Ok(())
        } else {
            Err(transient("the server did not answer NOOP"))
        }
    }

    /// A parked session that still works, or a new one. The caller bounds it in time.
    async fn session(&self) -> Result<AsyncSmtpConnection, MailError> {
        loop {
            let parked = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let Some((mut conn, since)) = parked else {
                return self.connect().await;
            };
            let idle = since.elapsed();
            if idle > MAX_IDLE {
                conn.abort().await;
                continue;
            }
            if idle < CHECK_AFTER_IDLE || conn.test_connected().await {
                return Ok(conn);
            }
            conn.abort().await;
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Never more parked than can be in use; a surplus session is simply dropped.
        if idle.len() < self.config.pool_size as usize {
            idle.push((conn, Instant::now()));
        }
    }

    /// Greeting, EHLO, TLS as configured, AUTH if configured.
    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let config = &self.config;
        let mut conn = match &self.security {
            Security::Implicit(tls) => {
                // lettre opens the socket itself here, so Nagle stays on for smtps://.
                AsyncSmtpConnection::connect_tokio1(
                    (config.host.as_str(), config.port),
                    Some(config.timeout),
                    &self.hello,
                    Some(tls.clone()),
                    None,
                )
                .await?
            }
            Security::Plain | Security::StartTls(_) => {
                let io = |e: std::io::Error| transient(&format!("connecting to {}:{}: {e}", config.host, config.port));
                let tcp = TcpStream::connect((config.host.as_str(), config.port)).await.map_err(io)?;
                tcp.set_nodelay(true).map_err(io)?;
                let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await?;
                if let Security::StartTls(tls) = &self.security {
                    // Fails when the server does not offer STARTTLS: never falls back.
                    conn.starttls(tls.clone(), &self.hello).await?;
                }
                conn
            }
        };
        if let Some((user, password)) = &config.credentials {
            let credentials = Credentials::new(user.clone(), password.clone());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials).await?;
        }
        Ok(conn)
    }

    /// lettre bounds only the TCP connect in time; a server that stops answering would
    /// otherwise hold a session forever.
    async fn within_timeout<T>(
        &self,
        what: &str,
        work: impl Future<Output = Result<T, MailError>>,
    ) -> Result<T, MailError> {
        match tokio::time::timeout(self.config.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(transient(&format!("timed out {what} after {:?}", self.config.timeout))),
        }
    }
}

fn transient(message: &str) -> MailError {
    MailError::SmtpTransient { code: None, message: message.to_owned() }
}
