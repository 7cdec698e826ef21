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
    /// Starts the committing loop; it ends when every handle is dropped.
    ///
    /// The loop runs on a thread of its own: on the server's runtime it would wait behind
    /// the request tasks for its turn after each commit, leaving the writer idle, and with
    /// a bounded number of clients in flight that idle time, not the CPU, set the rate.
    pub fn start(store: Store, apply: Apply<Req, Resp>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let started = std::thread::Builder::new().name("group-commit".into()).spawn(move || match runtime {
            Ok(runtime) => runtime.block_on(commit_loop(store, apply, receiver)),
            Err(error) => tracing::error!(%error, "the group-commit loop could not start"),
        });
        if let Err(error) = started {
            // Every submit then answers that the write queue has stopped.
            tracing::error!(%error, "the group-commit thread could not start");
        }
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
    // Prepared once per connection (a plain batch is parsed again at every request).
    conn.execute("SAVEPOINT request", &[])?;
    match apply(conn, request) {
        Ok(response) => {
            conn.execute("RELEASE SAVEPOINT request", &[])?;
            Ok(Ok(response))
        }
        Err(error) => {
            conn.execute("ROLLBACK TO SAVEPOINT request", &[])?;
            conn.execute("RELEASE SAVEPOINT request", &[])?;
            Ok(Err(error))
        }
    }
}
