//! A year of tickets, each told as the events a ticketing tool would send over its life.
//! Tickets are produced one at a time, in order of opening, so memory stays flat however
//! many are asked for.

use crate::calendar::{next_business_time, whole_second, Calendar, HOUR};
use crate::catalog::title;
use crate::desk::Desk;
use crate::{rng, DemoConfig, AGENT_DOMAIN};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapport_domain::event::{Assignee, Requester, TicketData};
use rapport_domain::time::Millis;
use rapport_domain::{TicketEvent, TicketStatus};

/// Ticket numbers start here, so ids look like a desk that has been running a while.
const FIRST_NUMBER: usize = 1001;
/// Shares of priorities "1".."4": most tickets are routine.
const PRIORITY_WEIGHTS: [u32; 4] = [2, 10, 48, 40];
/// Median hours to resolve by priority; actual times spread log-normally around these.
const MEDIAN_HOURS: [f64; 4] = [3.0, 10.0, 36.0, 110.0];
/// Resolved tickets nobody confirms close automatically after three days.
const AUTO_CLOSE: Millis = 72 * HOUR;
const PENDING_SHARE: f64 = 0.25;
/// Routine tickets that wait weeks on a vendor, a part or a change window.
const STALLED_SHARE: f64 = 0.04;
const REOPEN_SHARE: f64 = 0.04;
const CONFIRM_SHARE: f64 = 0.35;

/// Every ticket's events, ticket after ticket in order of opening; within a ticket, in
/// order of occurrence. Events after `config.end` are not produced, so the latest tickets
/// are still open, pending or resolved.
pub fn ticket_events<'a>(config: &'a DemoConfig, desk: &'a Desk) -> impl Iterator<Item = TicketEvent> + 'a {
    let mut by_team = vec![Vec::new(); desk.teams.len()];
    for (i, agent) in desk.agents.iter().enumerate() {
        by_team[agent.team].push(i);
    }
    let teams = WeightedIndex::new(desk.teams.iter().map(|t| t.weight)).expect("a desk has teams");
    let tickets = Tickets { config, desk, calendar: Calendar::year_before(config.end), by_team, teams };
    let mut openings = rng(config.seed, 1);
    let mut position = 0.0_f64;
    (0..config.tickets).flat_map(move |i| {
        // The next of `tickets` sorted uniform draws (the minimum of the uniforms left above
        // the last one): opening times come out ordered without drawing them all first.
        let left = (config.tickets - i) as f64;
        position += (1.0 - position) * (1.0 - (1.0 - openings.random::<f64>()).powf(1.0 / left));
        tickets.life(i, tickets.calendar.at(position))
    })
}

struct Tickets<'a> {
    config: &'a DemoConfig,
    desk: &'a Desk,
    calendar: Calendar,
    /// Agents of each team, to assign a team's tickets to its own people.
    by_team: Vec<Vec<usize>>,
    teams: WeightedIndex<u32>,
}

impl Tickets<'_> {
    /// Ticket `i`'s events. Each ticket draws from its own stream, so its content does not
    /// depend on how many random numbers earlier tickets used.
    fn life(&self, i: usize, opened_at: Millis) -> Vec<TicketEvent> {
        let mut rng = rng(self.config.seed, 2 + i as u64);
        let desk = self.desk;
        let team_index = self.teams.sample(&mut rng);
        let team = &desk.teams[team_index];
        let category = team.categories.choose(&mut rng).cloned().unwrap_or_else(|| "General".into());
        // Frequent requesters exist: skew towards low customer indices (customers are in
        // random order, so this favours no organisation).
        let customer = &desk.customers[(rng.random::<f64>().powf(1.5) * desk.customers.len() as f64) as usize];
        let agent = match self.by_team[team_index].choose(&mut rng) {
            Some(&a) => &desk.agents[a],
            None => desk.agents.choose(&mut rng).expect("a desk has agents"),
        };
        let mut priority = WeightedIndex::new(PRIORITY_WEIGHTS).expect("weights > 0").sample(&mut rng);
        if customer.vip && priority >= 2 && rng.random_bool(0.5) {
            priority -= 1;
        }
        let number = FIRST_NUMBER + i;
        let external_id = format!("INC{number:07}");
        let mut ticket = TicketData {
            message_id: Some(format!("<{external_id}@{AGENT_DOMAIN}>")),
            external_id,
            title: Some(title(&category, &mut rng)),
            status: TicketStatus::Open,
            category: Some(category),
            priority: Some((priority + 1).to_string()),
            opened_at: Some(opened_at),
            resolved_at: None,
            closed_at: None,
            requester: Some(Requester {
                email: customer.email.clone(),
                name: Some(customer.name.clone()),
                organization: Some(desk.organizations[customer.organization].name.clone()),
                vip: Some(customer.vip),
                language: Some(customer.language.clone()),
            }),
            assignee: Some(Assignee { email: agent.email.clone(), name: Some(agent.name.clone()) }),
            team: Some(team.name.clone()),
        };
        let mut events = Vec::new();
        for (status, at) in timeline(priority, opened_at, &mut rng) {
            if at > self.config.end {
                break;
            }
            ticket.status = status;
            match status {
                TicketStatus::Resolved => ticket.resolved_at = Some(at),
                TicketStatus::Reopened => ticket.resolved_at = None,
                TicketStatus::Closed => ticket.closed_at = Some(at),
                _ => {}
            }
            events.push(TicketEvent {
                event_id: format!("demo-{number}-{}", events.len() + 1),
                source: "demo".into(),
                occurred_at: at,
                ticket: ticket.clone(),
            });
        }
        events
    }
}

/// The statuses a ticket of `priority` (0 = P1) passes through, with when.
fn timeline(priority: usize, opened_at: Millis, rng: &mut ChaCha8Rng) -> Vec<(TicketStatus, Millis)> {
    let mut steps = vec![(TicketStatus::Open, opened_at)];
    let stalled = priority >= 2 && rng.random_bool(STALLED_SHARE);
    let resolved = resolve_after(priority, opened_at, if stalled { 6.0 } else { 1.0 }, rng);
    // Waiting on the requester (a reply, a delivery) is common for routine tickets.
    if stalled || (priority >= 1 && rng.random_bool(PENDING_SHARE)) {
        let pending = between(opened_at, resolved, 0.1, 0.4, rng);
        steps.push((TicketStatus::Pending, pending));
        if rng.random_bool(0.6) {
            steps.push((TicketStatus::Open, between(pending, resolved, 0.4, 0.9, rng)));
        }
    }
    steps.push((TicketStatus::Resolved, resolved));
    let mut last_resolved = resolved;
    if rng.random_bool(REOPEN_SHARE) {
        // "It is broken again": requesters reopen before the ticket closes itself.
        let reopened = resolved + hours(log_normal(20.0, 0.8, rng).min(70.0));
        steps.push((TicketStatus::Reopened, reopened));
        last_resolved = resolve_after(priority, reopened, 0.5, rng);
        steps.push((TicketStatus::Resolved, last_resolved));
    }
    let closed = if rng.random_bool(CONFIRM_SHARE) {
        last_resolved + hours(log_normal(3.0, 1.0, rng).min(71.0))
    } else {
        last_resolved + AUTO_CLOSE
    };
    steps.push((TicketStatus::Closed, closed));
    steps
}

/// Urgent tickets are worked round the clock; routine ones wait for office hours.
fn resolve_after(priority: usize, from: Millis, scale: f64, rng: &mut ChaCha8Rng) -> Millis {
    let median = MEDIAN_HOURS[priority] * scale;
    let at = from + hours(log_normal(median, 0.9, rng).clamp(0.2, 24.0 * 60.0));
    if priority >= 2 {
        next_business_time(at, rng)
    } else {
        at
    }
}

fn between(from: Millis, to: Millis, low: f64, high: f64, rng: &mut ChaCha8Rng) -> Millis {
    whole_second(from + ((to - from) as f64 * rng.random_range(low..high)) as Millis)
}

fn hours(h: f64) -> Millis {
    (h * 3600.0).round() as Millis * 1000
}

/// A log-normal draw with the given median (Box–Muller for the normal part, as `rand`
/// alone has no normal distribution).
fn log_normal(median: f64, sigma: f64, rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    median * (sigma * z).exp()
}
