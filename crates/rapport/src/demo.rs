//! `rapport demo`: loads the seeded demo desk through the same ingest path as real
//! events, so the demo exercises what production does.

use indicatif::{ProgressBar, ProgressStyle};
use rapport_demo::{desk, ticket_events, DemoConfig};
use rapport_store::{Countable, Store};
use std::time::Instant;

const BATCH: usize = 1000;

pub async fn fill(store: &Store, seed: u64, tickets: usize, now: i64, progress: bool) -> anyhow::Result<()> {
    let config = DemoConfig { seed, tickets, end: now, ..DemoConfig::default() };
    let desk = desk(&config);
    let started = Instant::now();
    let bar = if progress {
        let bar = ProgressBar::new(tickets as u64);
        bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} tickets {elapsed} (eta {eta})")?);
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut batch = Vec::with_capacity(BATCH);
    let mut events = 0u64;
    for event in ticket_events(&config, &desk) {
        batch.push(event);
        if batch.len() == BATCH {
            events += flush(store, &mut batch, now, &bar).await?;
        }
    }
    events += flush(store, &mut batch, now, &bar).await?;
    bar.finish_and_clear();
    println!(
        "Demo desk (seed {seed}): {} teams, {} agents, {} customers in {} organizations, {} tickets from {events} events in {:.1?}.",
        store.count(Countable::Teams).await?,
        store.count(Countable::Agents).await?,
        store.count(Countable::Customers).await?,
        store.count(Countable::Organizations).await?,
        store.count(Countable::Tickets).await?,
        started.elapsed(),
    );
    Ok(())
}

async fn flush(
    store: &Store,
    batch: &mut Vec<rapport_domain::TicketEvent>,
    now: i64,
    bar: &ProgressBar,
) -> anyhow::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let outcomes = store.backfill_batch(batch, now).await?;
    bar.inc(outcomes.iter().filter(|o| o.created).count() as u64);
    let applied = batch.len() as u64;
    batch.clear();
    Ok(applied)
}

/// `serve --demo`: a living desk on first start, left alone afterwards.
pub async fn fill_if_empty(store: &Store, now: i64) -> anyhow::Result<()> {
    if store.count(Countable::Tickets).await? > 0 {
        tracing::info!("the database already holds tickets; --demo leaves it as it is");
        return Ok(());
    }
    let defaults = DemoConfig::default();
    fill(store, defaults.seed, defaults.tickets, now, true).await
}
