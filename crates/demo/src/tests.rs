use super::*;
use crate::calendar::{is_business_hours, DAY};
use chrono::{Datelike, Weekday};
use rapport_domain::event::{PersonInput, TicketEventInput, TicketInput};
use rapport_domain::time::{from_millis, rfc3339};
use rapport_domain::{TicketEvent, TicketStatus};
use std::collections::{BTreeMap, HashSet};

fn small(seed: u64) -> DemoConfig {
    DemoConfig { seed, teams: 8, agents: 20, customers: 400, organizations: 15, tickets: 3000, ..Default::default() }
}

fn events(config: &DemoConfig) -> Vec<TicketEvent> {
    ticket_events(config, &desk(config)).collect()
}

/// Events grouped by ticket, in the order produced.
fn by_ticket(events: &[TicketEvent]) -> BTreeMap<&str, Vec<&TicketEvent>> {
    let mut tickets: BTreeMap<&str, Vec<&TicketEvent>> = BTreeMap::new();
    for event in events {
        tickets.entry(event.ticket.external_id.as_str()).or_default().push(event);
    }
    tickets
}

/// The wire form a ticketing tool would send for `event`.
fn to_input(event: &TicketEvent) -> TicketEventInput {
    let t = &event.ticket;
    let requester = t.requester.as_ref().map(|r| PersonInput {
        email: Some(r.email.to_string()),
        name: r.name.clone(),
        organization: r.organization.clone(),
        vip: r.vip,
        language: r.language.clone(),
    });
    let assignee = t.assignee.as_ref().map(|a| PersonInput {
        email: Some(a.email.to_string()),
        name: a.name.clone(),
        ..Default::default()
    });
    TicketEventInput {
        event_id: Some(event.event_id.clone()),
        source: Some(event.source.clone()),
        occurred_at: Some(rfc3339(event.occurred_at)),
        ticket: Some(TicketInput {
            external_id: Some(t.external_id.clone()),
            title: t.title.clone(),
            status: Some(t.status.to_string()),
            category: t.category.clone(),
            priority: t.priority.clone(),
            opened_at: t.opened_at.map(rfc3339),
            resolved_at: t.resolved_at.map(rfc3339),
            closed_at: t.closed_at.map(rfc3339),
            requester,
            assignee,
            team: t.team.clone(),
            message_id: t.message_id.clone(),
        }),
    }
}

#[test]
fn the_same_seed_gives_the_same_desk_and_tickets_and_another_seed_does_not() {
    assert_eq!(desk(&small(7)), desk(&small(7)));
    assert_eq!(events(&small(7)), events(&small(7)));
    assert_ne!(desk(&small(7)), desk(&small(8)));
    assert_ne!(events(&small(7)), events(&small(8)));
}

#[test]
fn the_desk_and_the_tickets_have_the_configured_sizes() {
    let config = small(1);
    let desk = desk(&config);
    assert_eq!(desk.teams.len(), 8);
    assert_eq!(desk.agents.len(), 20);
    assert_eq!(desk.organizations.len(), 15);
    assert_eq!(desk.customers.len(), 400);
    assert!((0..8).all(|team| desk.agents.iter().any(|a| a.team == team)), "a team has no agents");
    assert_eq!(by_ticket(&events(&config)).len(), 3000);
}

#[test]
fn every_address_is_unique_and_on_the_right_domain() {
    let desk = desk(&DemoConfig { customers: 3000, ..small(3) });
    let mut seen = HashSet::new();
    for agent in &desk.agents {
        assert_eq!(agent.email.domain(), AGENT_DOMAIN);
        assert!(seen.insert(agent.email.clone()), "{} twice", agent.email);
    }
    for customer in &desk.customers {
        assert_eq!(customer.email.domain(), desk.organizations[customer.organization].domain);
        assert!(seen.insert(customer.email.clone()), "{} twice", customer.email);
    }
}

#[test]
fn every_event_survives_a_round_trip_through_the_wire_form() {
    for event in events(&small(2)) {
        let parsed = to_input(&event).parse(0).unwrap_or_else(|e| panic!("{event:?}: {e:?}"));
        assert_eq!(parsed, event);
    }
}

#[test]
fn each_ticket_moves_forward_in_time_and_most_end_closed() {
    let config = small(4);
    let events = events(&config);
    let tickets = by_ticket(&events);
    let mut last_opened = i64::MIN;
    let mut closed = 0;
    for (id, life) in &tickets {
        let opened = life[0].ticket.opened_at.unwrap();
        assert_eq!((life[0].ticket.status, life[0].occurred_at), (TicketStatus::Open, opened), "{id}");
        assert!(opened >= last_opened && opened < config.end, "{id} opened out of order");
        last_opened = opened;
        assert!(life.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at), "{id} goes back in time");
        assert!(life.iter().all(|e| e.occurred_at <= config.end), "{id} has a future event");
        for (n, event) in life.iter().enumerate() {
            assert_eq!(event.event_id, format!("demo-{}-{}", &id[3..].trim_start_matches('0'), n + 1));
        }
        let last = life.last().unwrap();
        if last.ticket.status == TicketStatus::Closed {
            closed += 1;
            assert!(last.ticket.resolved_at.is_some_and(|r| r <= last.occurred_at), "{id}");
        } else {
            // Only recent tickets can still be in progress (resolving takes at most 60 days,
            // twice if reopened, plus closing).
            assert!(opened > config.end - 150 * DAY, "{id} stuck since {}", rfc3339(opened));
        }
    }
    let share = closed as f64 / tickets.len() as f64;
    assert!((0.93..1.0).contains(&share), "closed share {share}");
}

#[test]
fn vips_languages_priorities_and_opening_hours_have_realistic_shares() {
    let desk = desk(&DemoConfig { customers: 4000, ..small(5) });
    let share = |n: usize| n as f64 / desk.customers.len() as f64;
    let vip = share(desk.customers.iter().filter(|c| c.vip).count());
    assert!((0.035..0.065).contains(&vip), "VIP share {vip}");
    let english = share(desk.customers.iter().filter(|c| c.language == "en").count());
    assert!((0.5..0.9).contains(&english), "English share {english}");
    let languages: HashSet<&str> = desk.customers.iter().map(|c| c.language.as_str()).collect();
    assert_eq!(languages.len(), 5);

    let config = small(5);
    let events = events(&config);
    let opens: Vec<&TicketEvent> = by_ticket(&events).into_values().map(|life| life[0]).collect();
    let share = |f: &dyn Fn(&TicketEvent) -> bool| opens.iter().filter(|e| f(e)).count() as f64 / opens.len() as f64;
    let weekend = share(&|e| matches!(from_millis(e.occurred_at).weekday(), Weekday::Sat | Weekday::Sun));
    assert!(weekend < 0.08, "weekend share {weekend}");
    let office = share(&|e| is_business_hours(e.occurred_at));
    assert!(office > 0.75, "business-hours share {office}");
    let routine = share(&|e| matches!(e.ticket.priority.as_deref(), Some("3" | "4")));
    assert!(routine > 0.75, "P3/P4 share {routine}");
}

#[test]
fn urgent_tickets_are_resolved_sooner_than_routine_ones() {
    let events = events(&small(6));
    let median_hours = |priority: &str| {
        let mut hours: Vec<i64> = events
            .iter()
            .filter(|e| e.ticket.status == TicketStatus::Closed && e.ticket.priority.as_deref() == Some(priority))
            .map(|e| (e.ticket.resolved_at.unwrap() - e.ticket.opened_at.unwrap()) / 3_600_000)
            .collect();
        hours.sort_unstable();
        hours[hours.len() / 2]
    };
    assert!(median_hours("1") < 12, "P1 median {}h", median_hours("1"));
    assert!(median_hours("4") > 48, "P4 median {}h", median_hours("4"));
}

#[test]
fn events_are_produced_lazily_even_for_a_huge_desk() {
    let config = DemoConfig { tickets: 100_000_000, ..small(1) };
    let desk = desk(&config);
    assert_eq!(ticket_events(&config, &desk).take(20).count(), 20);
}
