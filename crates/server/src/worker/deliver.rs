//! Delivering the outbox: at least once, backing off on failure, into `dead` after the
//! last attempt. Emails go with a stable Message-ID (the stored bytes are sent as they
//! are); Slack and Teams posts carry the message's idempotency key on every attempt.

use super::Worker;
use futures::stream::{self, StreamExt};
use rapport_store::outbox::OutboxMessage;
use rapport_store::settings::ALERT_ALLOWED_HOSTS;
use rapport_webhooks::{post_json, OutboundPolicy};

const BATCH: i64 = 200;
const PARALLEL: usize = 8;

/// Why one message was not delivered, and whether trying again can help.
struct Failure {
    error: String,
    permanent: bool,
}

impl Worker {
    /// Sends due messages until none is left; answers (delivered, failed).
    pub(super) async fn deliver_outbox(&self) -> anyhow::Result<(usize, usize)> {
        let (mut delivered, mut failed) = (0, 0);
        loop {
            let due = self.store.claim_outbox(self.clock.now(), BATCH).await?;
            if due.is_empty() {
                return Ok((delivered, failed));
            }
            // Checked again at every pass: an admin may have changed the allowed hosts.
            let allowed = self.store.setting(ALERT_ALLOWED_HOSTS).await?.unwrap_or_default();
            let policy = OutboundPolicy {
                allowed_hosts: allowed.split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect(),
            };
            let policy = &policy;
            let results: Vec<anyhow::Result<bool>> = stream::iter(due)
                .map(|message| async move {
                    let sent = self.send(&message, policy).await;
                    let now = self.clock.now();
                    match sent {
                        Ok(()) => {
                            self.store.outbox_sent(message.id, now).await?;
                            Ok(true)
                        }
                        Err(failure) => {
                            tracing::warn!(id = message.id, kind = %message.kind, error = %failure.error, "delivery failed");
                            self.store.outbox_failed(message.id, failure.error, failure.permanent, now).await?;
                            Ok(false)
                        }
                    }
                })
                .buffer_unordered(PARALLEL)
                .collect()
                .await;
            for result in results {
                if result? {
                    delivered += 1;
                } else {
                    failed += 1;
                }
            }
        }
    }

    async fn send(&self, message: &OutboxMessage, policy: &OutboundPolicy) -> Result<(), Failure> {
        match message.kind.as_str() {
            "slack" | "teams" => {
                let body: serde_json::Value = serde_json::from_str(&message.body)
                    .map_err(|e| Failure { error: format!("stored payload is not JSON: {e}"), permanent: true })?;
                post_json(&message.recipient, &body, &message.idempotency_key, policy)
                    .await
                    .map(drop)
                    .map_err(|e| Failure { permanent: e.is_permanent(), error: e.to_string() })
            }
            _ => self
                .transport
                .send(&message.sender, &message.recipient, message.body.as_bytes())
                .await
                .map_err(|e| Failure { permanent: e.is_permanent(), error: e.to_string() }),
        }
    }
}
