//! A desk ready to be answered: tickets, customers, invitation decisions and sent
//! invitations, written straight into the tables in large transactions (the normal path,
//! a ticket event then the worker, is slower and not what is measured). Only each
//! token's hash is stored, as the worker does; the raw tokens go to a file.

use anyhow::Context;
use rapport_domain::time::Millis;
use rapport_domain::token::{hash_secret, random_hex};
use rapport_server::Clock;
use rapport_store::{invitations, params, Store};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const DAY_MS: Millis = 86_400_000;

pub async fn prepare_answers(url: &str, count: usize, tokens_file: &Path, batch: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = Store::connect(url).await.with_context(|| format!("opening {url}"))?;
    store.migrate().await?;
    let now = Clock::System.now();
    store.ensure_defaults(now).await?;
    let policy_id = store.default_policy().await?.id;
    let file = std::fs::File::create(tokens_file).with_context(|| format!("creating {}", tokens_file.display()))?;
    let mut out = std::io::BufWriter::new(file);
    // Unique per run, so preparing twice into one database adds rather than collides.
    let run = now;
    // Sent two days ago: an answer now is not "too soon after sending" (automated).
    let sent_at = now - 2 * DAY_MS;
    let expires_at = sent_at + 14 * DAY_MS;
    let mut done = 0;
    while done < count {
        let n = batch.max(1).min(count - done);
        let tokens: Vec<String> = (0..n).map(|_| random_hex(16)).collect();
        let rows: Vec<(usize, String)> = tokens.iter().enumerate().map(|(i, t)| (done + i, hash_secret(t))).collect();
        store
            .write(move |conn| {
                for (i, hash) in &rows {
                    insert_invitation(conn, run, *i, hash, policy_id, sent_at, expires_at, now)?;
                }
                Ok(())
            })
            .await?;
        for token in &tokens {
            writeln!(out, "{token}")?;
        }
        done += n;
    }
    out.flush()?;
    println!(
        "prepared {count} sent invitations in {:.1} s; tokens in {}",
        started.elapsed().as_secs_f64(),
        tokens_file.display()
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_invitation(
    conn: &mut dyn rapport_store::db::Conn,
    run: Millis,
    i: usize,
    token_hash: &str,
    policy_id: i64,
    sent_at: Millis,
    expires_at: Millis,
    now: Millis,
) -> rapport_store::Result<()> {
    let opened_at = sent_at - DAY_MS;
    let customer: i64 = conn.value(
        "INSERT INTO customers (email, name, seen_at, created_at) VALUES ($1, $2, $3, $3) RETURNING id",
        params![format!("bench-{run}-{i}@example.com"), format!("Customer {i}"), opened_at],
    )?;
    let ticket: i64 = conn.value(
        "INSERT INTO tickets (source, external_id, title, status, category, priority, opened_at, resolved_at,
             closed_at, customer_id, last_event_at, created_at, updated_at)
         VALUES ('bench', $1, 'Printer on floor 3 jams', 'closed', 'Hardware', '3', $2, $3, $3, $4, $3, $2, $3)
         RETURNING id",
        params![format!("B{run}-{i}"), opened_at, sent_at, customer],
    )?;
    let decision: i64 = conn.value(
        "INSERT INTO survey_decisions (ticket_id, cycle, policy_id, decision, reason, decided_at)
         VALUES ($1, 0, $2, 'invited', 'benchmark', $3) RETURNING id",
        params![ticket, policy_id, sent_at],
    )?;
    let invitation: i64 = conn.value(
        "INSERT INTO invitations (ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, sent_at,
             expires_at, category, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'email', 'sent', $5, $5, $6, 'Hardware', $5, $5) RETURNING id",
        params![ticket, customer, policy_id, decision, sent_at, expires_at],
    )?;
    invitations::add_token(conn, invitation, token_hash, "initial", now)
}

pub async fn stats(url: &str) -> anyhow::Result<()> {
    let store = Store::connect(url).await.with_context(|| format!("opening {url}"))?;
    let (responses, changes, automated, answered): (i64, i64, i64, i64) = store
        .read(|conn| {
            Ok((
                conn.value("SELECT COUNT(*) FROM responses", params![])?,
                conn.value("SELECT COUNT(*) FROM response_changes", params![])?,
                conn.value("SELECT COUNT(*) FROM responses WHERE automated = 1", params![])?,
                conn.value("SELECT COUNT(*) FROM invitations WHERE state = 'answered'", params![])?,
            ))
        })
        .await?;
    println!("responses={responses} response_changes={changes} automated={automated} invitations_answered={answered}");
    Ok(())
}
