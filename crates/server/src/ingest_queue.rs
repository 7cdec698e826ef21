//! Group commit for ticket events: concurrent requests are gathered into one database
//! transaction, so many events share one disk sync. Each request still waits for its
//! own event to be committed before it is answered (an acknowledged event is durable).

use rapport_domain::time::Millis;
use rapport_domain::TicketEvent;
use rapport_store::{IngestOutcome, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<IngestOutcome, Arc<StoreError>>>;

#[derive(Clone)]
pub struct IngestQueue {
    sender: mpsc::Sender<(TicketEvent, Millis, Reply)>,
}

impl IngestQueue {
    /// Starts the committing task; it ends when every `IngestQueue` clone is dropped.
    pub fn start(store: Store) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(commit_loop(store, receiver));
        IngestQueue { sender }
    }

    pub async fn ingest(&self, event: TicketEvent, received_at: Millis) -> Result<IngestOutcome, Arc<StoreError>> {
        let (reply, answer) = oneshot::channel();
        let closed = || Arc::new(StoreError::Corrupt("the ingest queue has stopped".into()));
        self.sender.send((event, received_at, reply)).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }
}

async fn commit_loop(store: Store, mut receiver: mpsc::Receiver<(TicketEvent, Millis, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let received_at = batch.iter().map(|(_, at, _)| *at).max().unwrap_or_default();
        let events: Vec<TicketEvent> = batch.iter().map(|(event, _, _)| event.clone()).collect();
        match store.ingest_batch(&events, received_at).await {
            Ok(outcomes) => {
                for ((_, _, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            // One failing event must not fail its neighbours: retry them one by one.
            Err(_) if batch.len() > 1 => {
                for (event, at, reply) in batch.drain(..) {
                    let result = store.ingest_batch(std::slice::from_ref(&event), at).await;
                    let _ = reply.send(result.map(|mut o| o.remove(0)).map_err(Arc::new));
                }
            }
            Err(error) => {
                let error = Arc::new(error);
                for (_, _, reply) in batch.drain(..) {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
