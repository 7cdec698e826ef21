//! `rapport demo`: loads the seeded demo desk through the same ingest path as real
//! events, so the demo exercises what production does, then a year of survey history
//! for its tickets (decisions, invitations, answers) under the desk's default policy.

use indicatif::{ProgressBar, ProgressStyle};
use rapport_demo::{desk, ticket_events, DemoConfig, DemoSurvey, SurveyPlanner};
use rapport_store::backfill::{PastAnswer, PastInvitation, PastInvitationState, PastSurvey};
use rapport_store::settings::SAMPLING_KEY;
use rapport_store::{Countable, Store};
use std::time::Instant;

const BATCH: usize = 1000;

pub async fn fill(store: &Store, seed: u64, tickets: usize, now: i64, progress: bool) -> anyhow::Result<()> {
    let config = DemoConfig { seed, tickets, end: now, ..DemoConfig::default() };
    let desk = desk(&config);
    let started = Instant::now();
    // The default policy and sampling key the history is decided under.
    store.ensure_defaults(now).await?;
    let policy = store.default_policy().await?;
    let sampling_key = store.setting(SAMPLING_KEY).await?.unwrap_or_default();
    let mut surveys = SurveyPlanner::new(&config, &desk, &policy, sampling_key.as_bytes());
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
        surveys.observe(&event);
        batch.push(event);
        if batch.len() == BATCH {
            events += flush(store, &mut batch, now, &bar).await?;
        }
    }
    events += flush(store, &mut batch, now, &bar).await?;
    bar.finish_and_clear();

    let history = surveys.finish();
    let bar = if progress {
        let bar = ProgressBar::new(history.len() as u64);
        bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} survey decisions {elapsed}")?);
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut history = history.into_iter().peekable();
    while history.peek().is_some() {
        let batch: Vec<PastSurvey> = history.by_ref().take(BATCH).map(past_survey).collect();
        let count = batch.len() as u64;
        store.backfill_surveys(policy.id, batch).await?;
        bar.inc(count);
    }
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
    let (visits, visit_answers) = crate::demo_visits::add_visits(store, seed, now).await?;
    println!("{visits} desk visits, {visit_answers} visit-survey answers.");
    // Follow-ups for the last 90 days of answers: closed, open, overdue cases and check-ins.
    let follow_ups = store.backfill_follow_ups(now - 90 * 86_400_000, now).await?;
    let t = store.follow_up_totals(now).await?;
    println!(
        "{follow_ups} follow-ups added; in all {} open recovery cases ({} overdue), {} closed, {} check-ins.",
        t.open_cases, t.overdue_cases, t.closed_cases, t.check_ins
    );
    let totals = store.survey_totals().await?;
    let answered =
        if totals.invitations > 0 { 100.0 * totals.responses as f64 / totals.invitations as f64 } else { 0.0 };
    println!("{} survey invitations, {} answers ({answered:.0}% answered).", totals.invitations, totals.responses);
    Ok(())
}

/// The generator's history in the store's terms (the store does not know the demo).
fn past_survey(survey: DemoSurvey) -> PastSurvey {
    let invitation = survey.invitation.map(|i| PastInvitation {
        state: match i.state {
            rapport_demo::DemoInvitationState::Sent => PastInvitationState::Sent,
            rapport_demo::DemoInvitationState::Answered => PastInvitationState::Answered,
            rapport_demo::DemoInvitationState::Expired => PastInvitationState::Expired,
        },
        send_at: i.send_at,
        sent_at: i.sent_at,
        expires_at: i.expires_at,
        reminders_sent: i64::from(i.reminders_sent),
        updated_at: i.updated_at,
        answer: i.answer.map(|a| PastAnswer {
            csat: a.csat,
            comment: a.comment,
            reasons: a.reasons,
            answered_at: a.answered_at,
        }),
    });
    PastSurvey {
        source: "demo".into(),
        external_id: survey.external_id,
        decision: survey.decision,
        reason: survey.reason,
        decided_at: survey.decided_at,
        invitation,
    }
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
