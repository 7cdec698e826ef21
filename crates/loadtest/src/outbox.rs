//! Outbox delivery rate: N real survey emails (rendered as the worker renders them) are
//! enqueued, then the worker's own delivery sends them over SMTP to a local
//! [`SmtpSink`] until none is pending. Only the delivery is timed.

use anyhow::{bail, Context};
use rapport_domain::survey::SurveyPolicy;
use rapport_domain::token::random_hex;
use rapport_domain::TicketStatus;
use rapport_mail::SmtpSink;
use rapport_server::survey_email::{survey_email, SurveyEmailKind};
use rapport_server::worker::Worker;
use rapport_server::{Clock, Config};
use rapport_store::invitations::SendContext;
use rapport_store::outbox::{self, NewMessage};
use rapport_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ENQUEUE_BATCH: usize = 1_000;

pub async fn run(count: usize, database_url: Option<String>, timeout: Duration) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display()));
    let store = Store::connect(&url).await.with_context(|| format!("opening {url}"))?;
    store.migrate().await?;
    let clock = Clock::System;
    store.ensure_defaults(clock.now()).await?;

    let sink = SmtpSink::start().await;
    let mut config = Config::for_test(dir.path(), &url);
    config.smtp_url = sink.url();
    let config = Arc::new(config);

    let run = random_hex(4);
    let messages: Vec<NewMessage> =
        (0..count).map(|i| message(&config, &run, i, clock.now())).collect::<anyhow::Result<_>>()?;
    let body_bytes: usize = messages.iter().map(|m| m.body.len()).sum();
    for chunk in messages.chunks(ENQUEUE_BATCH) {
        let chunk = chunk.to_vec();
        let now = clock.now();
        store
            .write(move |conn| {
                for message in &chunk {
                    outbox::enqueue(conn, message, now)?;
                }
                Ok(())
            })
            .await?;
    }
    let pending = store.outbox_messages(Some("pending".into()), i64::MAX).await?.len();
    if pending != count {
        bail!("{pending} messages pending after enqueueing {count}");
    }

    let worker = Worker::new(store.clone(), config.clone(), clock)?;
    let load_before = loadavg();
    let started = Instant::now();
    let (mut delivered, mut failed, mut passes) = (0, 0, 0);
    loop {
        let pass = worker.run_once().await?;
        delivered += pass.delivered;
        failed += pass.failed;
        passes += 1;
        if store.outbox_messages(Some("pending".into()), 1).await?.is_empty() {
            break;
        }
        if started.elapsed() > timeout {
            bail!("gave up after {timeout:?}: {delivered} delivered, {failed} failed");
        }
    }
    let elapsed = started.elapsed();
    let received = sink.messages().len();
    let sent = store.outbox_messages(Some("sent".into()), i64::MAX).await?.len();
    println!(
        "outbox: {count} emails ({} KiB on average) over SMTP to 127.0.0.1:{} in {:.2} s, {passes} worker pass(es)",
        body_bytes / count.max(1) / 1024,
        sink.address.port(),
        elapsed.as_secs_f64()
    );
    println!(
        "delivered {delivered}, failed attempts {failed}, outbox rows sent {sent}, received by the sink {received}, \
         SMTP connections {}",
        sink.connections()
    );
    println!("load average before {load_before}, after {}", loadavg());
    let rate = count as f64 / elapsed.as_secs_f64();
    println!("RESULT emails_per_s={rate:.0} messages={count} seconds={:.3}", elapsed.as_secs_f64());
    if received != count || sent != count {
        bail!("{received} received and {sent} marked sent, for {count} enqueued");
    }
    Ok(())
}

/// A survey email as the worker would enqueue it, for customer `i`.
fn message(config: &Config, run: &str, i: usize, now: i64) -> anyhow::Result<NewMessage> {
    let context = SendContext {
        invitation_id: i as i64 + 1,
        state: "scheduled".into(),
        reminders_sent: 0,
        expires_at: None,
        ticket_id: i as i64 + 1,
        ticket_external_id: format!("INC{:07}", i),
        ticket_title: Some("Printer on floor 3 jams".into()),
        ticket_status: Some(TicketStatus::Closed),
        ticket_message_id: Some(format!("<ticket-{i}@desk.example>")),
        customer_email: format!("customer{i}@example.com"),
        customer_name: Some(format!("Customer {i}")),
        customer_language: None,
        customer_opted_out: false,
        agent_name: Some("Agent Smith".into()),
        policy: SurveyPolicy::default_policy(),
    };
    let expires_at = now + 14 * 86_400_000;
    let email =
        survey_email(config, "Service Desk", "en", &context, &random_hex(16), SurveyEmailKind::Initial, expires_at)?;
    let raw = email.to_bytes()?;
    Ok(NewMessage {
        kind: "email".into(),
        idempotency_key: format!("bench:{run}:{i}"),
        sender: config.mail_from.clone(),
        recipient: context.customer_email,
        subject: email.subject,
        body: String::from_utf8_lossy(&raw).into_owned(),
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
