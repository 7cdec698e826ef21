//! Delivering the outbox: at least once, with a stable Message-ID (the stored bytes are
//! sent as they are), backing off on failure, into `dead` after the last attempt.

use super::Worker;
use futures::stream::{self, StreamExt};

const BATCH: i64 = 200;
const PARALLEL: usize = 8;

impl Worker {
    /// Sends due messages until none is left; answers (delivered, failed).
    pub(super) async fn deliver_outbox(&self) -> anyhow::Result<(usize, usize)> {
        let (mut delivered, mut failed) = (0, 0);
        loop {
            let due = self.store.claim_outbox(self.clock.now(), BATCH).await?;
            if due.is_empty() {
                return Ok((delivered, failed));
            }
            let results: Vec<anyhow::Result<bool>> = stream::iter(due)
                .map(|message| async move {
                    let sent = self.transport.send(&message.sender, &message.recipient, message.body.as_bytes()).await;
                    let now = self.clock.now();
                    match sent {
                        Ok(()) => {
                            self.store.outbox_sent(message.id, now).await?;
                            Ok(true)
                        }
                        Err(error) => {
                            tracing::warn!(id = message.id, to = %message.recipient, %error, "delivery failed");
                            self.store.outbox_failed(message.id, error.to_string(), error.is_permanent(), now).await?;
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
}
