//! Group commit: requests that arrive together are written in one transaction, so many
//! share one disk sync. Each request is answered only after that commit (an
//! acknowledged write is durable), and each runs inside a savepoint of its own, so
//! one failing request does not fail its neighbours. What requests defer to the end of
//! their batch (rollup counts, say) is written once for the batch, in the same transaction.

use rapport_store::db::Conn;
use rapport_store::{Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 512;

type Apply<Req, Resp, D> = fn(&mut dyn Conn, &Req, &mut D) -> rapport_store::Result<Resp>;
type Reply<Resp> = oneshot::Sender<Result<Resp, StoreError>>;

/// Writes a request leaves for the end of its batch: a request's own are taken into the
/// batch's only once its savepoint is released, so a failed request leaves nothing behind.
pub trait Deferred: Default + Send + 'static {
    fn absorb(&mut self, request: Self);
    fn write(self, conn: &mut dyn Conn) -> rapport_store::Result<()>;
}

impl Deferred for () {
    fn absorb(&mut self, _: ()) {}

    fn write(self, _: &mut dyn Conn) -> rapport_store::Result<()> {
        Ok(())
    }
}

impl Deferred for rapport_store::rollups::RollupDeltas {
    fn absorb(&mut self, request: Self) {
        rapport_store::rollups::RollupDeltas::absorb(self, request)
    }

    fn write(self, conn: &mut dyn Conn) -> rapport_store::Result<()> {
        rapport_store::rollups::RollupDeltas::write(self, conn)
    }
}

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
    pub fn start<D: Deferred>(store: Store, apply: Apply<Req, Resp, D>) -> Self {
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

async fn commit_loop<Req: Send + Sync + 'static, Resp: Send + 'static, D: Deferred>(
    store: Store,
    apply: Apply<Req, Resp, D>,
    mut receiver: mpsc::Receiver<(Req, Reply<Resp>)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (requests, replies): (Vec<Req>, Vec<Reply<Resp>>) = batch.drain(..).unzip();
        let requests = Arc::new(requests);
        // Requests almost never fail, so the batch first runs without a savepoint per
        // request (each costs a copy of every page it touches). When one does fail, the
        // whole transaction is rolled back and the batch runs again, each request in a
        // savepoint of its own.
        let one_failed = Arc::new(AtomicBool::new(false));
        let mut written = write_batch(&store, apply, requests.clone(), false, one_failed.clone()).await;
        if written.is_err() && one_failed.load(Ordering::Relaxed) {
            written = write_batch(&store, apply, requests, true, one_failed).await;
        }
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

type Results<Resp> = Vec<Result<Resp, StoreError>>;

/// One transaction for the batch. Without savepoints (`isolated` false), a failing
/// request fails the transaction and sets `one_failed`.
async fn write_batch<Req: Send + Sync + 'static, Resp: Send + 'static, D: Deferred>(
    store: &Store,
    apply: Apply<Req, Resp, D>,
    requests: Arc<Vec<Req>>,
    isolated: bool,
    one_failed: Arc<AtomicBool>,
) -> rapport_store::Result<Results<Resp>> {
    store
        .write(move |conn| {
            let mut deferred = D::default();
            let mut results = Vec::with_capacity(requests.len());
            for request in requests.iter() {
                let result = if isolated {
                    in_savepoint(conn, apply, request, &mut deferred)?
                } else {
                    Ok(apply(conn, request, &mut deferred).inspect_err(|error| {
                        // A busy database is the whole batch's to retry, not one request's.
                        if !error.is_retryable() {
                            one_failed.store(true, Ordering::Relaxed);
                        }
                    })?)
                };
                results.push(result);
            }
            deferred.write(conn)?;
            Ok(results)
        })
        .await
}

/// The request's own result; only a failure to manage the savepoint fails the batch.
fn in_savepoint<Req, Resp, D: Deferred>(
    conn: &mut dyn Conn,
    apply: Apply<Req, Resp, D>,
    request: &Req,
    batch: &mut D,
) -> rapport_store::Result<Result<Resp, StoreError>> {
    // Prepared once per connection (a plain batch is parsed again at every request).
    conn.execute("SAVEPOINT request", &[])?;
    let mut deferred = D::default();
    match apply(conn, request, &mut deferred) {
        Ok(response) => {
            conn.execute("RELEASE SAVEPOINT request", &[])?;
            batch.absorb(deferred);
            Ok(Ok(response))
        }
        Err(error) => {
            conn.execute("ROLLBACK TO SAVEPOINT request", &[])?;
            conn.execute("RELEASE SAVEPOINT request", &[])?;
            Ok(Err(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_store::params;

    /// Writes a setting named by the request, then fails when the request says so.
    fn write_setting(conn: &mut dyn Conn, (key, fail): &(String, bool), _: &mut ()) -> rapport_store::Result<String> {
        conn.execute("INSERT INTO settings (key, value) VALUES ($1, 'x')", params![key])?;
        if *fail {
            return Err(StoreError::Conflict(format!("{key} refused")));
        }
        Ok(key.clone())
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::connect(&format!("sqlite://{}/t.db?mode=rwc", dir.path().display())).await.expect("a store");
        store.migrate().await.expect("migrations");
        (dir, store)
    }

    async fn written(store: &Store) -> Vec<String> {
        let rows = store.read(|c| c.query("SELECT key FROM settings WHERE key LIKE 'k%' ORDER BY key", params![]));
        rows.await.expect("a read").iter().map(|r| r.get(0).expect("a key")).collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_savepoints_a_failing_request_rolls_the_batch_back_and_says_so() {
        let (_dir, store) = store().await;
        let requests = Arc::new(vec![("k1".to_string(), false), ("k2".to_string(), true), ("k3".to_string(), false)]);
        let one_failed = Arc::new(AtomicBool::new(false));
        let result = write_batch(&store, write_setting, requests.clone(), false, one_failed.clone()).await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
        assert!(one_failed.load(Ordering::Relaxed));
        assert!(written(&store).await.is_empty());
        let results = write_batch(&store, write_setting, requests, true, one_failed).await.expect("the batch");
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok(), "{results:?}");
        assert_eq!(written(&store).await, ["k1", "k3"]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_failing_request_fails_alone_and_leaves_nothing() {
        let (_dir, store) = store().await;
        let queue = GroupCommit::start(store.clone(), write_setting);
        let submits = (10..60).map(|i| {
            let queue = queue.clone();
            async move { queue.submit((format!("k{i}"), i % 7 == 3)).await }
        });
        let results = futures::future::join_all(submits).await;
        let mut expected = Vec::new();
        for (i, result) in (10..60).zip(results) {
            if i % 7 == 3 {
                assert!(matches!(result, Err(StoreError::Conflict(_))), "k{i}: {result:?}");
            } else {
                assert_eq!(result.expect("a neighbour's write"), format!("k{i}"));
                expected.push(format!("k{i}"));
            }
        }
        assert_eq!(written(&store).await, expected);
    }
}
