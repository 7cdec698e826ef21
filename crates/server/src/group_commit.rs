//! Group commit: requests that arrive together are written in one transaction, so many
//! share one disk sync. Each request is answered only after that commit (an
//! acknowledged write is durable), and each runs inside a savepoint of its own, so
//! one failing request does not fail its neighbours.

use rapport_store::db::Conn;
use rapport_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 512;

type Apply<Req, Resp> = fn(&mut dyn Conn, &Req) -> rapport_store::Result<Resp>;
type Reply<Resp> = oneshot::Sender<Result<Resp, StoreError>>;

pub struct GroupCommit<Req, Resp> {
    sender: mpsc::Sender<(Req, Reply<Resp>)>,
}

impl<Req, Resp> Clone for GroupCommit<Req, Resp> {
    fn clone(&self) -> Self {
        GroupCommit { sender: self.sender.clone() }
    }
}

impl<Req: Send + Sync + 'static, Resp: Send + 'static> GroupCommit<Req, Resp> {
    /// Starts the committing task; it ends when every handle is dropped.
    pub fn start(store: Store, apply: Apply<Req, Resp>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(commit_loop(store, apply, receiver));
        GroupCommit { sender }
    }

    pub async fn submit(&self, request: Req) -> Result<Resp, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Database("the write queue has stopped".into());
        self.sender.send((request, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn commit_loop<Req: Send + Sync + 'static, Resp: Send + 'static>(
    store: Store,
    apply: Apply<Req, Resp>,
    mut receiver: mpsc::Receiver<(Req, Reply<Resp>)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (requests, replies): (Vec<Req>, Vec<Reply<Resp>>) = batch.drain(..).unzip();
        let requests = std::sync::Arc::new(requests);
        let shared = requests.clone();
        let written = store
            .write(move |conn| {
                shared
                    .iter()
                    .map(|request| in_savepoint(conn, apply, request))
                    .collect::<rapport_store::Result<Vec<_>>>()
            })
            .await;
        match written {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}

/// The request's own result; only a failure to manage the savepoint fails the batch.
fn in_savepoint<Req, Resp>(
    conn: &mut dyn Conn,
    apply: Apply<Req, Resp>,
    request: &Req,
) -> rapport_store::Result<Result<Resp, StoreError>> {
    conn.batch("SAVEPOINT request")?;
    match apply(conn, request) {
        Ok(response) => {
            conn.batch("RELEASE SAVEPOINT request")?;
            Ok(Ok(response))
        }
        Err(error) => {
            conn.batch("ROLLBACK TO SAVEPOINT request")?;
            conn.batch("RELEASE SAVEPOINT request")?;
            Ok(Err(error))
        }
    }
}
