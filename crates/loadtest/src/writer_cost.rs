//! What the single writer can do, timed inside it. An answer's whole write (token lookup,
//! response, change log, invitation state, follow-up, rollups) runs in batches the size of
//! a group commit's; in the same run, alternating batch by batch, so does the least a
//! durable answer could be: one row with a unique key. With the writer never idle, an
//! answer costs its share of the batch (its SQL, the commit, the hand-off to the writer's
//! thread): that is the ceiling of `answers.sh`'s rate at this batch size, whatever HTTP
//! does. Its SQL alone (commits free, batches endless) bounds it at any batch size.

use anyhow::{bail, Context};
use rapport_domain::survey::AnswerInput;
use rapport_domain::token::{hash_secret, random_hex};
use rapport_server::Clock;
use rapport_store::db::Backend;
use rapport_store::responses::{answer_with_token, SaveOutcome};
use rapport_store::rollups::RollupDeltas;
use rapport_store::{params, Store};
use std::time::{Duration, Instant};

/// Time spent per kind of write, summed over its batches.
#[derive(Default)]
struct Spent {
    batches: u32,
    writes: u32,
    /// From the first statement to the last, inside the transaction.
    in_transaction: Duration,
    /// From the request to the writer until its answer: the above, the commit and the hand-off.
    whole: Duration,
}

impl Spent {
    fn add(&mut self, writes: usize, in_transaction: Duration, whole: Duration) {
        self.batches += 1;
        self.writes += writes as u32;
        self.in_transaction += in_transaction;
        self.whole += whole;
    }

    fn ceiling(&self) -> f64 {
        f64::from(self.writes) / self.whole.as_secs_f64()
    }

    /// The rate if commits and hand-offs cost nothing (endless batches): the SQL alone.
    fn sql_bound(&self) -> f64 {
        f64::from(self.writes) / self.in_transaction.as_secs_f64()
    }

    fn report(&self, what: &str) {
        let per_write = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(self.writes);
        let per_batch = (self.whole - self.in_transaction).as_secs_f64() * 1e6 / f64::from(self.batches);
        println!(
            "{what}: {:.1} µs each inside the transaction, {:.0} µs per batch to commit and hand off, \
             {:.1} µs each in all → at most {:.0}/s ({:.0}/s with free commits)",
            per_write(self.in_transaction),
            per_batch,
            per_write(self.whole),
            self.ceiling(),
            self.sql_bound()
        );
    }
}

/// `count` answers in batches of `batch`, on the database at `database_url` (a throwaway
/// one: it gains invitations, answers and a table of its own), by default SQLite in a
/// temporary directory.
pub async fn run(database_url: Option<String>, count: usize, batch: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = &database_url.unwrap_or_else(|| format!("sqlite://{}/rapport.db?mode=rwc", dir.path().display()));
    let tokens_file = dir.path().join("tokens");
    crate::prepare::prepare_answers(url, count, &tokens_file, 5_000).await?;
    let tokens = std::fs::read_to_string(&tokens_file).context("reading the prepared tokens")?;
    let store = Store::connect(url).await?;
    // SQLite's INTEGER PRIMARY KEY is the row id itself: no second B-tree.
    let id = match store.backend() {
        Backend::Sqlite => "INTEGER PRIMARY KEY",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let create = format!(
        "CREATE TABLE IF NOT EXISTS bench_one_row (id {id}, token_hash TEXT NOT NULL UNIQUE, score BIGINT NOT NULL,
             at BIGINT NOT NULL)"
    );
    store.write(move |conn| conn.batch(&create)).await?;
    let hashes: Vec<String> = tokens.lines().map(hash_secret).collect();
    let (mut answers, mut rows) = (Spent::default(), Spent::default());
    for (number, chunk) in hashes.chunks(batch.max(1)).enumerate() {
        let now = Clock::System.now();
        let size = chunk.len();
        let chunk = chunk.to_vec();
        let started = Instant::now();
        let inside = store
            .write(move |conn| {
                let timer = Instant::now();
                let mut rollups = RollupDeltas::default();
                for (i, hash) in chunk.iter().enumerate() {
                    let input = AnswerInput { score: Some(((number + i) % 5 + 1).to_string()), ..Default::default() };
                    match answer_with_token(conn, hash, &input, now, &mut rollups)? {
                        SaveOutcome::Saved { first: true, .. } => {}
                        other => return Err(rapport_store::StoreError::Conflict(format!("{other:?}"))),
                    }
                }
                rollups.write(conn)?;
                Ok(timer.elapsed())
            })
            .await
            .context("an answer was not saved as a first answer")?;
        answers.add(size, inside, started.elapsed());

        let fresh: Vec<String> = (0..size).map(|_| hash_secret(&random_hex(16))).collect();
        let started = Instant::now();
        let inside = store
            .write(move |conn| {
                let timer = Instant::now();
                for (i, hash) in fresh.iter().enumerate() {
                    conn.execute(
                        "INSERT INTO bench_one_row (token_hash, score, at) VALUES ($1, $2, $3)",
                        params![hash, (i % 5 + 1) as i64, now],
                    )?;
                }
                Ok(timer.elapsed())
            })
            .await?;
        rows.add(size, inside, started.elapsed());
    }
    if answers.writes == 0 {
        bail!("no answers were timed: prepare at least one batch");
    }
    println!("the single writer, {} batches of {batch}:", answers.batches);
    answers.report("  answers");
    rows.report("  one row each");
    println!(
        "RESULT answer_ceiling={:.0} answer_sql_bound={:.0} one_row_ceiling={:.0}",
        answers.ceiling(),
        answers.sql_bound(),
        rows.ceiling()
    );
    Ok(())
}
