//! Desk visits for the demo desk: one ticket in twenty-five gets a visit a few hours after
//! it opened, most with the customer away, and about half of the visit surveys are
//! answered. Deterministic: the same seed gives the same visits.

use rapport_domain::visit::{VisitDetails, VisitStatus};
use rapport_store::backfill_visits::{PastVisit, VisitCandidate};
use rapport_store::visits::NewVisit;
use rapport_store::Store;

const EVERY: i64 = 25;

const NEXT_STEPS: [&str; 5] = [
    "Nothing more to do; tell us if it happens again",
    "A replacement part is ordered; we will fit it when it arrives",
    "Please be at your desk tomorrow at 10:00 so we can finish",
    "A specialist will call you today",
    "We will check back in two days",
];
const NOTES: [&str; 4] = [
    "Cleaned the rollers and printed a test page.",
    "The docking station firmware was out of date; updated it.",
    "Your monitor cable was loose; replaced it with a new one.",
    "Could not log in as you were away; the laptop is where you left it.",
];
const COMMENTS: [&str; 4] = [
    "Loved finding the card on my desk.",
    "Quick and tidy, thank you!",
    "Nobody told me when you would come back.",
    "",
];

/// SplitMix64: a tiny, stable mixer; enough for reproducible demo choices.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn past_visit(seed: u64, candidate: &VisitCandidate, now: i64) -> Option<PastVisit> {
    let r = mix(seed ^ candidate.ticket_id as u64);
    let pick = |shift: u32, n: u64| ((r >> shift) % n) as usize;
    let visited_at = candidate.opened_at + 3_600_000 * (2 + pick(0, 28) as i64);
    if visited_at >= now {
        return None;
    }
    let status = VisitStatus::ALL[[0, 0, 0, 1, 2, 3, 4][pick(8, 7)]];
    let next_step = match status {
        VisitStatus::Fixed => NEXT_STEPS[0],
        VisitStatus::WaitingForParts => NEXT_STEPS[1],
        VisitStatus::NeedYouPresent => NEXT_STEPS[2],
        VisitStatus::Escalated => NEXT_STEPS[3],
        VisitStatus::InProgress => NEXT_STEPS[4],
    };
    let customer_away = pick(16, 10) < 6;
    let answer = (pick(24, 2) == 0).then(|| {
        let csat = [5u8, 5, 5, 5, 4, 4, 4, 3, 2, 1][pick(32, 10)];
        let comment = COMMENTS[if csat <= 2 { 2 } else { [0, 1, 3, 3][pick(40, 4)] }];
        let answered_at = visited_at + 600_000 * (1 + pick(44, 60) as i64);
        (csat, (!comment.is_empty()).then(|| comment.to_string()), answered_at.min(now))
    });
    Some(PastVisit {
        visit: NewVisit {
            ticket_id: candidate.ticket_id,
            agent_id: Some(candidate.agent_id),
            recorded_by: None,
            technician_name: candidate.agent_name.clone(),
            details: VisitDetails {
                status,
                note: Some(NOTES[pick(48, 4)].to_string()),
                next_step: Some(next_step.to_string()),
                customer_away,
                visited_at,
            },
            request_key: format!("demo:{}", candidate.ticket_id),
        },
        answer,
    })
}

/// Adds the demo's visits; answers (visits, visit-survey answers) written.
pub async fn add_visits(store: &Store, seed: u64, now: i64) -> anyhow::Result<(usize, usize)> {
    let candidates = store.visit_candidates(EVERY).await?;
    let visits: Vec<PastVisit> = candidates.iter().filter_map(|c| past_visit(seed, c, now)).collect();
    Ok(store.backfill_visits(visits).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_visit_and_visits_are_in_the_past() {
        let candidate =
            VisitCandidate { ticket_id: 50, opened_at: 1_000_000_000_000, agent_id: 1, agent_name: "Tom".into() };
        let now = 2_000_000_000_000;
        let a = past_visit(7, &candidate, now).unwrap();
        let b = past_visit(7, &candidate, now).unwrap();
        assert_eq!(a.visit.details, b.visit.details);
        assert!(a.visit.details.visited_at < now);
        assert!(past_visit(7, &candidate, candidate.opened_at).is_none(), "no visits in the future");
    }
}
