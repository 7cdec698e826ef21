//! Insight over follow-ups and reasons, on SQLite and on PostgreSQL: answers saved through
//! the store (which opens their follow-ups), cases fired, worked and closed at known times,
//! then the recovery rate, the median time to first contact, check-ins on time, service
//! gaps with their root causes and the reasons counted by how happy the answer was.

mod common;

use common::{sent_invitation, teams_and_agents, Sent};

use rapport_domain::business_hours::BusinessCalendar;
use rapport_domain::followup::{ClosedRecovery, FollowUpRules, RecoveryStep};
use rapport_domain::survey::Answer;
use rapport_domain::time::Millis;
use rapport_domain::token::hash_secret;
use rapport_store::db::Conn;
use rapport_store::followups;
use rapport_store::insight::{
    follow_up_metrics, reason_counts, recovery_cases, service_gaps, FollowUpMetrics, ReasonCount,
};
use rapport_store::invitations::invitation_by_token;
use rapport_store::responses::save_answer;
use rapport_store::rollups::Filter;
use rapport_store::visibility::Visibility;
use rapport_store::{params, Store};

/// A Monday afternoon (2026-09-21 14:13 UTC), when the surveys go out.
const T0: Millis = 1_790_000_000_000;
const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// Answers by invitation: (csat, agent index, category, reasons).
const ANSWERS: [(u8, usize, &str, &[&str]); 8] = [
    (1, 0, "Hardware", &["too_slow", "not_solved"]),
    (2, 0, "Hardware", &["too_slow"]),
    (1, 1, "Access", &["unhelpful"]),
    (5, 0, "Hardware", &["friendly"]),
    (4, 1, "Access", &["friendly", "quick_response"]),
    (3, 0, "Hardware", &["too_slow"]),
    // Unhappy first, then changed to neutral within the grace window: its case is cancelled.
    (2, 1, "Hardware", &["too_slow"]),
    (1, 1, "Access", &["not_informed"]),
];

/// Two agents in two teams; one sent invitation per answer, with the token `token-<i>`.
/// Answers the agents' ids.
fn invitations(conn: &mut dyn Conn) -> rapport_store::Result<Vec<i64>> {
    let (teams, agents) = teams_and_agents(conn, 2)?;
    for (i, (_, agent, category, _)) in ANSWERS.iter().enumerate() {
        let sent = Sent {
            channel: "email",
            agent: Some(agents[*agent]),
            team: Some(teams[*agent]),
            category: Some(category),
            organization: None,
            sent_at: T0,
            expires_at: T0 + 30 * DAY,
        };
        sent_invitation(conn, i as i64, &sent)?;
    }
    Ok(agents)
}

async fn answer(store: &Store, i: usize, csat: u8, reasons: &[&str], now: Millis) {
    let hash = hash_secret(&format!("token-{i}"));
    let answer = Answer {
        csat,
        nps: None,
        effort: None,
        comment: None,
        reasons: reasons.iter().map(|r| format!("reason.{r}")).collect(),
    };
    store
        .write(move |conn| {
            let invitation = invitation_by_token(conn, &hash)?.expect("an invitation");
            save_answer(conn, &invitation, &answer, now).map(drop)
        })
        .await
        .unwrap();
}

/// The live follow-up of ticket `T<i>` and when it fires.
async fn follow_up_of(store: &Store, i: usize) -> (i64, Millis) {
    let external = format!("T{i}");
    store
        .read(move |conn| {
            let r = conn.query_one(
                "SELECT f.id, f.fires_at FROM follow_ups f JOIN tickets t ON t.id = f.ticket_id
                 WHERE t.external_id = $1 AND f.state <> 'cancelled'",
                params![external],
            )?;
            Ok((r.get(0)?, r.get(1)?))
        })
        .await
        .unwrap()
}

/// Fires follow-up `id` at `at`; answers its due time.
async fn fire(store: &Store, id: i64, at: Millis) -> Millis {
    store
        .write(move |conn| {
            let f = followups::fire(conn, id, &FollowUpRules::default(), &BusinessCalendar::default(), at)?;
            Ok(f.expect("it fires").due_at.expect("a due time"))
        })
        .await
        .unwrap()
}

async fn first_contact(store: &Store, id: i64, at: Millis) {
    store.write(move |conn| followups::tick_step(conn, id, RecoveryStep::Acknowledge, None, "lead", at)).await.unwrap();
}

async fn close(store: &Store, id: i64, gap: &str, cause: &str, resolved: bool, at: Millis) {
    let closed = ClosedRecovery { root_cause: cause.into(), service_gap: gap.into(), resolved };
    store.write(move |conn| followups::close_recovery(conn, id, &closed, "lead", at)).await.unwrap();
}

async fn send_check_in(store: &Store, id: i64, at: Millis) {
    let sent = store.write(move |conn| followups::check_in_sent(conn, id, "Still working?", "agent", at)).await;
    assert!(sent.unwrap(), "the check-in is sent");
}

/// Answers, fires and works everything; answers the agents' ids.
async fn desk(store: &Store) -> Vec<i64> {
    store.ensure_defaults(T0).await.unwrap();
    let agents = store.write(invitations).await.unwrap();
    for (i, (csat, _, _, reasons)) in ANSWERS.iter().enumerate() {
        answer(store, i, *csat, reasons, T0 + HOUR + i as i64 * MINUTE).await;
    }
    answer(store, 6, 3, &["too_slow"], T0 + HOUR + 7 * MINUTE).await;

    // Recovery cases: first contact after 30 min, 90 min, none (still open), and at the
    // closing after 240 min (closing counts as the first contact).
    let mut fired = Vec::new();
    for i in [0, 1, 2, 7] {
        let (id, fires_at) = follow_up_of(store, i).await;
        fire(store, id, fires_at).await;
        fired.push((id, fires_at));
    }
    let [(c0, f0), (c1, f1), _, (c7, f7)] = fired[..] else { unreachable!() };
    first_contact(store, c0, f0 + 30 * MINUTE).await;
    close(store, c0, "Slow response", "Queue understaffed", true, f0 + 2 * HOUR).await;
    first_contact(store, c1, f1 + 90 * MINUTE).await;
    close(store, c1, "Slow response", "Queue understaffed", false, f1 + 3 * HOUR).await;
    close(store, c7, "Not kept informed", "No update sent", true, f7 + 4 * HOUR).await;

    // Check-ins: one sent an hour before it is due, one a day late.
    let (happy, fires_at) = follow_up_of(store, 3).await;
    let due = fire(store, happy, fires_at).await;
    send_check_in(store, happy, due - HOUR).await;
    let (glad, fires_at) = follow_up_of(store, 4).await;
    let due = fire(store, glad, fires_at).await;
    send_check_in(store, glad, due + DAY).await;
    agents
}

/// A service gap as compared: name, cases, resolved, root causes, example tickets.
type GapSummary<'a> = (&'a str, u64, u64, Vec<(String, u64)>, Vec<&'a str>);

fn agent_only(agent: i64) -> Visibility {
    Visibility { everything: false, agent_id: Some(agent), team_ids: Vec::new() }
}

async fn metrics(store: &Store, filter: Filter, visibility: Visibility, from: Millis, to: Millis) -> FollowUpMetrics {
    store.read(move |conn| follow_up_metrics(conn, &filter, &visibility, from, to)).await.unwrap()
}

fn reason(code: &str, positive: u64, neutral: u64, negative: u64) -> ReasonCount {
    ReasonCount { reason: format!("reason.{code}"), positive, neutral, negative }
}

on_both_databases! {
    async fn follow_up_metrics_count_recoveries_first_contacts_and_check_ins(store: &Store) {
        let agents = desk(store).await;
        let all = Visibility::everything();
        let month = (T0, T0 + 30 * DAY);
        assert_eq!(
            metrics(store, Filter::default(), all.clone(), month.0, month.1).await,
            FollowUpMetrics {
                recoveries_opened: 4,
                recoveries_closed: 3,
                recovered: 2,
                first_contacts: 3,
                first_contact_median_ms: Some(90 * MINUTE),
                checkins_due: 2,
                checkins_on_time: 1,
            },
            "the cancelled case of the changed answer does not count"
        );
        // Agent 1 sees the open case and the one closed without steps, and the late check-in.
        assert_eq!(
            metrics(store, Filter::default(), agent_only(agents[1]), month.0, month.1).await,
            FollowUpMetrics {
                recoveries_opened: 2,
                recoveries_closed: 1,
                recovered: 1,
                first_contacts: 1,
                first_contact_median_ms: Some(240 * MINUTE),
                checkins_due: 1,
                checkins_on_time: 0,
            }
        );
        // An even number of first contacts: the mean of the middle two (30 and 90 minutes).
        let hardware = Filter { category: Some("Hardware".into()), ..Filter::default() };
        let m = metrics(store, hardware, all.clone(), month.0, month.1).await;
        assert_eq!((m.recoveries_opened, m.first_contacts, m.first_contact_median_ms), (2, 2, Some(60 * MINUTE)));
        assert_eq!((m.checkins_due, m.checkins_on_time), (1, 1));
        // Recovery cases count by their answer, check-ins by their own time.
        let later = metrics(store, Filter::default(), all, T0 + 2 * HOUR, month.1).await;
        assert_eq!((later.recoveries_opened, later.first_contact_median_ms), (0, None));
        assert_eq!((later.checkins_due, later.checkins_on_time), (2, 1));
    }

    async fn recovery_cases_and_service_gaps_with_their_root_causes(store: &Store) {
        let agents = desk(store).await;
        let all = Visibility::everything();
        let (from, to) = (T0, T0 + 30 * DAY);
        let cases = store.read({
            let all = all.clone();
            move |conn| recovery_cases(conn, &Filter::default(), &all, from, to, 3)
        }).await.unwrap();
        let shown: Vec<(&str, &str, i64, Option<bool>)> = cases
            .iter()
            .map(|c| (c.ticket_external_id.as_str(), c.state.as_str(), c.csat, c.resolved))
            .collect();
        assert_eq!(shown, [("T7", "done", 1, Some(true)), ("T2", "open", 1, None), ("T1", "done", 2, Some(false))]);
        assert_eq!(cases[0].agent_name, None);
        assert!(cases[0].closed_at.is_some() && cases[1].closed_at.is_none());

        let gaps = store.read({
            let all = all.clone();
            move |conn| service_gaps(conn, &Filter::default(), &all, from, to)
        }).await.unwrap();
        let summary: Vec<GapSummary> = gaps
            .iter()
            .map(|g| {
                let examples = g.examples.iter().map(|c| c.ticket_external_id.as_str()).collect();
                (g.service_gap.as_str(), g.cases, g.resolved, g.root_causes.clone(), examples)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("Slow response", 2, 1, vec![("Queue understaffed".to_string(), 2)], vec!["T1", "T0"]),
                ("Not kept informed", 1, 1, vec![("No update sent".to_string(), 1)], vec!["T7"]),
            ]
        );
        // By the time they closed: none closed from the next day on.
        let none = store.read({
            let all = all.clone();
            move |conn| service_gaps(conn, &Filter::default(), &all, T0 + DAY, to)
        }).await.unwrap();
        assert!(none.is_empty());
        // Agent 0 sees only the gaps of their own cases.
        let mine = store
            .read(move |conn| service_gaps(conn, &Filter::default(), &agent_only(agents[0]), from, to))
            .await
            .unwrap();
        assert_eq!(mine.iter().map(|g| (g.service_gap.as_str(), g.cases)).collect::<Vec<_>>(), [("Slow response", 2)]);
    }

    async fn reasons_are_counted_by_how_happy_the_answer_was(store: &Store) {
        let agents = desk(store).await;
        let (from, to) = (T0, T0 + DAY);
        let counts = store
            .read(move |conn| reason_counts(conn, &Filter::default(), &Visibility::everything(), from, to))
            .await
            .unwrap();
        assert_eq!(
            counts,
            [
                reason("too_slow", 0, 2, 2),
                reason("not_informed", 0, 0, 1),
                reason("not_solved", 0, 0, 1),
                reason("unhelpful", 0, 0, 1),
                reason("friendly", 2, 0, 0),
                reason("quick_response", 1, 0, 0),
            ]
        );
        let access = Filter { category: Some("Access".into()), ..Filter::default() };
        let counts = store
            .read(move |conn| reason_counts(conn, &access, &agent_only(agents[1]), from, to))
            .await
            .unwrap();
        assert_eq!(
            counts,
            [reason("not_informed", 0, 0, 1), reason("unhelpful", 0, 0, 1), reason("friendly", 1, 0, 0), reason("quick_response", 1, 0, 0)]
        );
        let before = store
            .read(move |conn| reason_counts(conn, &Filter::default(), &Visibility::everything(), T0 - DAY, T0))
            .await
            .unwrap();
        assert!(before.is_empty());
    }
}
