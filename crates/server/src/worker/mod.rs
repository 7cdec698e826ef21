//! Background work: due jobs (send surveys, reminders, expiries) and the outbox.
//! `rapport serve` runs it in-process; `rapport worker` runs it alone for scale-out.
//! Everything it does is claimed in the database, so several workers share the work.

mod deliver;
mod followups;
mod jobs;

use crate::clock::Clock;
use crate::config::Config;
use rapport_mail::Transport;
use rapport_store::Store;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Worker {
    pub(crate) store: Store,
    pub(crate) config: Arc<Config>,
    pub(crate) clock: Clock,
    pub(crate) transport: Arc<Transport>,
    /// Whether this worker made sure the daily digest job exists (once per process).
    digest_scheduled: Arc<std::sync::atomic::AtomicBool>,
}

/// What one pass did, for tests and logs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub jobs: usize,
    pub delivered: usize,
    pub failed: usize,
}

impl Worker {
    pub fn new(store: Store, config: Arc<Config>, clock: Clock) -> anyhow::Result<Worker> {
        let transport = Transport::from_url(&config.mail_url())?;
        let digest_scheduled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        Ok(Worker { store, config, clock, transport: Arc::new(transport), digest_scheduled })
    }

    /// Runs everything that is due now, then delivers what that put in the outbox.
    pub async fn run_once(&self) -> anyhow::Result<Pass> {
        if !self.digest_scheduled.load(std::sync::atomic::Ordering::Relaxed) {
            let now = self.clock.now();
            self.store
                .write(move |conn| {
                    followups::ensure_digest(conn, now)?;
                    crate::report::schedule::ensure_scheduled(conn, now)
                })
                .await?;
            self.digest_scheduled.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let jobs = self.run_due_jobs().await?;
        let (delivered, failed) = self.deliver_outbox().await?;
        Ok(Pass { jobs, delivered, failed })
    }

    /// Runs passes until the process stops; a failing pass is logged and retried.
    pub async fn run_forever(self) {
        let poll = Duration::from_millis(self.config.worker_poll_ms.max(50));
        loop {
            match self.run_once().await {
                Ok(pass) if pass != Pass::default() => tracing::debug!(?pass, "worker pass"),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "worker pass failed"),
            }
            tokio::time::sleep(poll).await;
        }
    }
}
