//! A year of survey history for the demo desk's tickets: the decision the policy would
//! have taken when each ticket finished (cool-downs included), the invitation sent an
//! hour later, and the answers about a quarter of customers gave.
//!
//! Built from the ticket events themselves, so it agrees with whatever `ticket_events`
//! produced; pure and seeded like the rest of the demo.

use crate::answers::{self, Experience};
use crate::calendar::{DAY, HOUR};
use crate::desk::Desk;
use crate::{rng, DemoConfig};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapport_domain::survey::{decide, DecisionFacts, SurveyDecision, SurveyPolicy, Trigger};
use rapport_domain::time::Millis;
use rapport_domain::{TicketEvent, TicketStatus};
use std::collections::HashMap;

/// Survey streams sit far above the ticket streams (2 + ticket index).
const SURVEY_STREAMS: u64 = 1 << 62;
/// How spread out agents' and teams' results are (as a tilt of the score distribution).
const AGENT_SPREAD: f64 = 0.25;
const TEAM_SPREAD: f64 = 0.12;
/// The chance an invited customer answers at all, before the deadline cuts some off.
const ANSWER_CHANCE: f64 = 0.25;
/// Customers whose ticket had to be reopened answer more often (and less kindly).
const ANSWER_CHANCE_REOPENED: f64 = 0.34;
/// Share of answers given soon after the invitation rather than after the reminder.
const EARLY_ANSWERS: f64 = 0.7;
/// The share of non-English customers who write their comment in their own language.
const OWN_LANGUAGE: f64 = 0.7;
/// Median resolution hours by priority, as the ticket generator uses them: the yardstick
/// for "quick" and "slow".
const MEDIAN_HOURS: [f64; 4] = [3.0, 10.0, 36.0, 110.0];

/// One ticket's survey decision, with the invitation it led to, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSurvey {
    /// The ticket (`source` `demo`).
    pub external_id: String,
    pub decision: SurveyDecision,
    /// Why, in the words the live decision uses.
    pub reason: String,
    pub decided_at: Millis,
    /// Indices into the desk, for checks and statistics.
    pub customer: usize,
    pub agent: usize,
    pub team: usize,
    pub category: String,
    pub invitation: Option<DemoInvitation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoInvitationState {
    /// Sent and still open: neither answered nor expired by `DemoConfig::end`.
    Sent,
    Answered,
    Expired,
}

impl DemoInvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Answered => "answered",
            Self::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoInvitation {
    pub state: DemoInvitationState,
    pub send_at: Millis,
    pub sent_at: Millis,
    pub expires_at: Millis,
    pub reminders_sent: u32,
    /// The last change: sending, a reminder, the answer or the expiry.
    pub updated_at: Millis,
    pub answer: Option<DemoAnswer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoAnswer {
    /// On the 5-point scale, as stored.
    pub csat: u8,
    pub comment: Option<String>,
    pub reasons: Vec<String>,
    pub answered_at: Millis,
}

/// The survey history of every ticket `ticket_events(config, desk)` finishes, under
/// `policy` (normally the desk's default), in order of decision.
pub fn survey_history(config: &DemoConfig, desk: &Desk, policy: &SurveyPolicy, sampling_key: &[u8]) -> Vec<DemoSurvey> {
    let mut planner = SurveyPlanner::new(config, desk, policy, sampling_key);
    for event in crate::ticket_events(config, desk) {
        planner.observe(&event);
    }
    planner.finish()
}

/// Builds the survey history while the ticket events stream past, so that loading the
/// demo generates its tickets only once. Keeps a few dozen bytes per ticket.
pub struct SurveyPlanner<'a> {
    config: &'a DemoConfig,
    desk: &'a Desk,
    policy: &'a SurveyPolicy,
    sampling_key: Vec<u8>,
    customers: HashMap<&'a str, usize>,
    agents: HashMap<&'a str, usize>,
    teams: HashMap<&'a str, usize>,
    /// How much better or worse than usual each agent and team does.
    agent_tilt: Vec<f64>,
    team_tilt: Vec<f64>,
    /// The mean tilt of the desk's finished tickets, taken off every ticket's.
    tilt_offset: f64,
    tickets: HashMap<String, Track>,
}

/// What the history needs to know of one ticket.
#[derive(Debug, Clone)]
struct Track {
    number: u64,
    customer: usize,
    agent: usize,
    team: usize,
    category: String,
    priority: usize,
    opened_at: Millis,
    resolved_at: Option<Millis>,
    status: TicketStatus,
    last_event_at: Millis,
    reopened: bool,
    /// When the current cycle met the policy's trigger.
    triggered_at: Option<Millis>,
}

impl<'a> SurveyPlanner<'a> {
    pub fn new(config: &'a DemoConfig, desk: &'a Desk, policy: &'a SurveyPolicy, sampling_key: &[u8]) -> Self {
        let mut rng = rng(config.seed, SURVEY_STREAMS);
        let agent_tilt = desk.agents.iter().map(|_| AGENT_SPREAD * normal(&mut rng)).collect();
        let team_tilt = desk.teams.iter().map(|_| TEAM_SPREAD * normal(&mut rng)).collect();
        Self {
            config,
            desk,
            policy,
            sampling_key: sampling_key.to_vec(),
            customers: desk.customers.iter().enumerate().map(|(i, c)| (c.email.as_str(), i)).collect(),
            agents: desk.agents.iter().enumerate().map(|(i, a)| (a.email.as_str(), i)).collect(),
            teams: desk.teams.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect(),
            agent_tilt,
            team_tilt,
            tilt_offset: 0.0,
            tickets: HashMap::new(),
        }
    }

    /// Takes in one event; a ticket's events must come in order of occurrence (as the
    /// store applies them), though tickets may interleave. Events of tickets not from
    /// this desk are ignored.
    pub fn observe(&mut self, event: &TicketEvent) {
        let t = &event.ticket;
        let track = match self.tickets.get_mut(&t.external_id) {
            Some(track) => track,
            None => {
                let Some(track) = self.start(event) else { return };
                self.tickets.entry(t.external_id.clone()).or_insert(track)
            }
        };
        if event.occurred_at < track.last_event_at {
            return;
        }
        let before = std::mem::replace(&mut track.status, t.status);
        track.last_event_at = event.occurred_at;
        track.resolved_at = t.resolved_at.or(track.resolved_at);
        if before == t.status {
            return;
        }
        if before.is_done() && !t.status.is_done() {
            // A new cycle: the next finish takes a decision of its own.
            track.reopened = true;
            track.triggered_at = None;
        }
        let triggers = match self.policy.trigger {
            Trigger::Closed => t.status == TicketStatus::Closed,
            Trigger::Resolved => t.status.is_done(),
        };
        if triggers && track.triggered_at.is_none() {
            track.triggered_at = Some(event.occurred_at);
        }
    }

    /// How much better or worse than usual this ticket's answer tends to be: its agent,
    /// team and category, and how the ticket went.
    fn tilt(&self, track: &Track) -> f64 {
        let experience = experience(track);
        let mut tilt =
            self.agent_tilt[track.agent] + self.team_tilt[track.team] + answers::category_tilt(&track.category);
        if experience.quick {
            tilt += 0.25;
        }
        if experience.slow {
            tilt -= 0.4;
        }
        if experience.reopened {
            tilt -= 0.7;
        }
        tilt
    }

    fn start(&self, event: &TicketEvent) -> Option<Track> {
        let t = &event.ticket;
        let customer = *self.customers.get(t.requester.as_ref()?.email.as_str())?;
        let agent = *self.agents.get(t.assignee.as_ref()?.email.as_str())?;
        let team = *self.teams.get(t.team.as_deref()?)?;
        let priority = t.priority.as_deref().and_then(|p| p.parse::<usize>().ok()).unwrap_or(3).clamp(1, 4) - 1;
        Some(Track {
            number: ticket_number(&t.external_id),
            customer,
            agent,
            team,
            category: t.category.clone().unwrap_or_default(),
            priority,
            opened_at: t.opened_at.unwrap_or(event.occurred_at),
            resolved_at: None,
            // Anything differs from the first event's status, so it counts as a change.
            status: TicketStatus::Reopened,
            last_event_at: event.occurred_at,
            reopened: false,
            triggered_at: None,
        })
    }

    /// The history, in order of decision. Decisions are taken in that order too, so each
    /// sees the invitations before it, as the cool-down does live. A ticket whose survey
    /// would only be sent after `config.end` gets none: it has no history yet.
    pub fn finish(mut self) -> Vec<DemoSurvey> {
        let end = self.config.end;
        let delay = Millis::from(self.policy.delay_minutes) * 60_000;
        let mut finished: Vec<(String, Track)> = std::mem::take(&mut self.tickets)
            .into_iter()
            .filter(|(_, t)| t.triggered_at.is_some_and(|at| at + delay <= end))
            .collect();
        finished.sort_by_key(|(_, t)| (t.triggered_at, t.number));
        // Centred over the desk, so that tilts move answers between agents and categories
        // without moving the desk's overall distribution.
        self.tilt_offset = finished.iter().map(|(_, t)| self.tilt(t)).sum::<f64>() / finished.len().max(1) as f64;
        let mut last_invited: Vec<Option<Millis>> = vec![None; self.desk.customers.len()];
        let mut history = Vec::with_capacity(finished.len());
        for (external_id, track) in finished {
            let decided_at = track.triggered_at.expect("filtered above");
            let customer = &self.desk.customers[track.customer];
            let ticket_key = format!("demo:{external_id}");
            let facts = DecisionFacts {
                ticket_key: &ticket_key,
                email: Some(customer.email.as_str()),
                organization: Some(self.desk.organizations[customer.organization].name.as_str()),
                opted_out: false,
                last_surveyed_at: last_invited[track.customer],
                now: decided_at,
                is_visit: false,
            };
            let (decision, reason) = decide(self.policy, &self.sampling_key, &facts);
            let invitation = (decision == SurveyDecision::Invited).then(|| {
                last_invited[track.customer] = Some(decided_at);
                let mut rng = rng(self.config.seed, SURVEY_STREAMS + 1 + track.number);
                Invite { planner: &self, track: &track, rng: &mut rng }.invitation(decided_at + delay)
            });
            history.push(DemoSurvey {
                external_id,
                decision,
                reason,
                decided_at,
                customer: track.customer,
                agent: track.agent,
                team: track.team,
                category: track.category,
                invitation,
            });
        }
        history
    }
}

struct Invite<'p, 'a> {
    planner: &'p SurveyPlanner<'a>,
    track: &'p Track,
    rng: &'p mut ChaCha8Rng,
}

impl Invite<'_, '_> {
    fn invitation(mut self, sent_at: Millis) -> DemoInvitation {
        let policy = self.planner.policy;
        let end = self.planner.config.end;
        let expires_at = sent_at + Millis::from(policy.expiry_days) * DAY;
        let gap = Millis::from(policy.reminder_gap_days) * DAY;
        let reminders: Vec<Millis> = (1..=Millis::from(policy.reminders))
            .map(|k| sent_at + k * gap)
            .take_while(|&at| gap > 0 && at < expires_at)
            .collect();
        let experience = experience(self.track);
        let chance = if self.track.reopened { ANSWER_CHANCE_REOPENED } else { ANSWER_CHANCE };
        let answered_at = self.rng.random_bool(chance).then(|| {
            let early = reminders.is_empty() || self.rng.random_bool(EARLY_ANSWERS);
            let (from, median, sigma) = if early { (sent_at, 2.0, 1.4) } else { (reminders[0], 3.0, 1.2) };
            from + ((log_normal(median, sigma, self.rng) * HOUR as f64) as Millis).max(90_000)
        });
        // Answers due after the deadline never came; those due after `end` not yet.
        let answered_at = answered_at.filter(|&at| at <= expires_at && at <= end);
        let reminders_sent =
            reminders.iter().filter(|&&at| at <= end && answered_at.is_none_or(|answered| at < answered)).count();
        let (state, updated_at) = match answered_at {
            Some(at) => (DemoInvitationState::Answered, at),
            None if expires_at <= end => (DemoInvitationState::Expired, expires_at),
            None => (DemoInvitationState::Sent, reminders[..reminders_sent].last().copied().unwrap_or(sent_at)),
        };
        let answer = answered_at.map(|at| self.answer(at, experience));
        DemoInvitation {
            state,
            send_at: sent_at,
            sent_at,
            expires_at,
            reminders_sent: reminders_sent as u32,
            updated_at,
            answer,
        }
    }

    fn answer(&mut self, answered_at: Millis, experience: Experience) -> DemoAnswer {
        let planner = self.planner;
        let track = self.track;
        let tilt = planner.tilt(track) - planner.tilt_offset;
        let rng = &mut *self.rng;
        let scale = planner.policy.scale;
        let csat = scale.to_five(scale.from_five(answers::csat(tilt, rng)));
        let offered = if csat >= 4 { &planner.policy.reasons_positive } else { &planner.policy.reasons_negative };
        let reasons = answers::reasons(offered, experience, rng);
        let comment = (planner.policy.ask_comment && rng.random_bool(answers::comment_chance(csat))).then(|| {
            let customer = &planner.desk.customers[track.customer];
            let language = if customer.language != "en" && rng.random_bool(OWN_LANGUAGE) {
                customer.language.as_str()
            } else {
                "en"
            };
            let agent = &planner.desk.agents[track.agent].name;
            answers::comment(csat, language, agent, &track.category, rng)
        });
        DemoAnswer { csat, comment, reasons, answered_at }
    }
}

/// Quick or slow against the usual time for the ticket's priority; reopened or not.
fn experience(track: &Track) -> Experience {
    let hours = track.resolved_at.map_or(f64::NAN, |at| (at - track.opened_at) as f64 / HOUR as f64);
    let ratio = hours / MEDIAN_HOURS[track.priority];
    Experience { quick: ratio < 0.5, slow: ratio > 4.0, reopened: track.reopened }
}

/// `INC0001234` → 1234; anything else a stable hash, so every ticket has its own stream.
fn ticket_number(external_id: &str) -> u64 {
    let digits: String = external_id.chars().filter(char::is_ascii_digit).collect();
    match digits.parse() {
        Ok(n) if digits.len() < 16 => n,
        _ => {
            // FNV-1a, kept above any ticket number.
            let hash = external_id
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            (1 << 61) | (hash >> 4)
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn log_normal(median: f64, sigma: f64, rng: &mut impl Rng) -> f64 {
    median * (sigma * normal(rng)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{desk, CSAT_SHARES};
    use std::collections::HashSet;
    use std::sync::OnceLock;

    /// More customers than tickets would have: most finished tickets are invited, so the
    /// answers are many enough to measure shares on.
    fn config(seed: u64) -> DemoConfig {
        DemoConfig { seed, tickets: 8000, customers: 2500, agents: 30, ..DemoConfig::default() }
    }

    fn history(config: &DemoConfig) -> Vec<DemoSurvey> {
        survey_history(config, &desk(config), &SurveyPolicy::default_policy(), b"key")
    }

    /// Seed 11's history, made once for all the tests that only read it.
    fn sample() -> &'static (DemoConfig, Desk, Vec<DemoSurvey>) {
        static SAMPLE: OnceLock<(DemoConfig, Desk, Vec<DemoSurvey>)> = OnceLock::new();
        SAMPLE.get_or_init(|| {
            let config = config(11);
            (config.clone(), desk(&config), history(&config))
        })
    }

    fn answers(history: &[DemoSurvey]) -> impl Iterator<Item = (&DemoSurvey, &DemoAnswer)> {
        history.iter().filter_map(|s| Some((s, s.invitation.as_ref()?.answer.as_ref()?)))
    }

    fn mean_csat<'a>(answers: impl Iterator<Item = &'a DemoAnswer>) -> f64 {
        let (sum, n) = answers.fold((0.0, 0), |(sum, n), a| (sum + f64::from(a.csat), n + 1));
        sum / f64::from(n)
    }

    #[test]
    fn the_same_seed_gives_the_same_history_and_another_seed_does_not() {
        let small = |seed| DemoConfig { tickets: 1500, ..config(seed) };
        let (a, b) = (history(&small(5)), history(&small(5)));
        assert!(a.len() > 1000);
        assert_eq!(a, b);
        assert_ne!(history(&small(5)), history(&small(6)));
    }

    #[test]
    fn about_a_quarter_of_invitations_are_answered_mostly_happily() {
        let (_, _, history) = sample();
        let invitations = history.iter().filter(|s| s.invitation.is_some()).count();
        let answers: Vec<&DemoAnswer> = super::tests::answers(history).map(|(_, a)| a).collect();
        let answered = answers.len() as f64 / invitations as f64;
        assert!((0.21..0.29).contains(&answered), "answered share {answered}");
        for (score, target) in (1..=5).zip(CSAT_SHARES) {
            let share = answers.iter().filter(|a| a.csat == score).count() as f64 / answers.len() as f64;
            assert!((share - target).abs() < 0.04, "CSAT {score}: {share} (target {target})");
        }
        let commented = answers.iter().filter(|a| a.comment.is_some()).count() as f64 / answers.len() as f64;
        assert!((0.28..0.42).contains(&commented), "comment share {commented}");
    }

    #[test]
    fn reasons_fit_the_score_and_comments_come_in_the_customers_languages() {
        let (_, desk, history) = sample();
        let policy = SurveyPolicy::default_policy();
        let mut languages = HashSet::new();
        let mut angry = 0;
        for (survey, answer) in answers(history) {
            let offered = if answer.csat >= 4 { &policy.reasons_positive } else { &policy.reasons_negative };
            assert!(answer.reasons.iter().all(|r| offered.contains(r)), "{answer:?}");
            let Some(comment) = &answer.comment else { continue };
            assert!(!comment.is_empty() && !comment.contains('{'), "{comment}");
            let language = answers::language_of(comment).unwrap_or_else(|| panic!("{comment}"));
            if language != "en" {
                assert_eq!(language, desk.customers[survey.customer].language, "{comment}");
                languages.insert(language);
            }
            if answer.csat <= 2 && comment.contains("Nobody") {
                angry += 1;
            }
        }
        assert!(["de", "fr", "es", "pt"].iter().all(|l| languages.contains(l)), "comments in {languages:?}");
        assert!(angry > 0, "no angry comments");
    }

    #[test]
    fn some_agents_and_categories_do_better_than_others() {
        let (config, desk, history) = sample();
        let policy = SurveyPolicy::default_policy();
        let planner = SurveyPlanner::new(config, desk, &policy, b"key");
        let by_agent = |better: bool| {
            let tilts = answers(history).map(|(s, a)| (planner.agent_tilt[s.agent], a));
            mean_csat(tilts.filter(|(tilt, _)| if better { *tilt > 0.1 } else { *tilt < -0.1 }).map(|(_, a)| a))
        };
        let (better, worse) = (by_agent(true), by_agent(false));
        assert!(better > worse + 0.2, "agents who do better {better} vs worse {worse}");
        let by_category =
            |names: &[&str]| mean_csat(answers(history).filter(|(s, _)| names.contains(&&*s.category)).map(|(_, a)| a));
        let (easy, hard) = (by_category(&["Accounts", "Security"]), by_category(&["Printing", "VPN"]));
        assert!(easy > hard + 0.15, "accounts and security {easy} vs printing and VPN {hard}");
    }

    #[test]
    fn decisions_keep_the_cool_down_and_invitations_keep_their_times() {
        let (config, _, history) = sample();
        let policy = SurveyPolicy::default_policy();
        let cooldown = Millis::from(policy.cooldown_days) * DAY;
        let mut last_invited: HashMap<usize, Millis> = HashMap::new();
        let mut decisions: HashMap<&str, usize> = HashMap::new();
        let mut tickets = HashSet::new();
        let mut decided = Millis::MIN;
        for survey in history {
            assert!(tickets.insert(&survey.external_id), "{} twice", survey.external_id);
            assert!(survey.decided_at >= decided, "out of order");
            decided = survey.decided_at;
            *decisions.entry(survey.decision.as_str()).or_default() += 1;
            let recent = last_invited.get(&survey.customer).is_some_and(|&at| survey.decided_at < at + cooldown);
            let expected = if recent { SurveyDecision::CoolDown } else { SurveyDecision::Invited };
            assert_eq!(survey.decision, expected, "{}", survey.external_id);
            assert_eq!(survey.invitation.is_some(), survey.decision == SurveyDecision::Invited);
            let Some(invitation) = &survey.invitation else {
                assert!(survey.reason.contains("cool-down is 30 days"), "{}", survey.reason);
                continue;
            };
            last_invited.insert(survey.customer, survey.decided_at);
            assert_eq!(invitation.sent_at, survey.decided_at + HOUR);
            assert_eq!(invitation.expires_at, invitation.sent_at + 14 * DAY);
            assert!(invitation.sent_at <= config.end);
            assert!(invitation.reminders_sent <= 1);
            match (&invitation.answer, invitation.state) {
                (Some(answer), DemoInvitationState::Answered) => {
                    assert!(answer.answered_at > invitation.sent_at + 60_000);
                    assert!(answer.answered_at <= invitation.expires_at.min(config.end));
                    assert_eq!(invitation.updated_at, answer.answered_at);
                }
                (None, DemoInvitationState::Expired) => assert!(invitation.expires_at <= config.end),
                (None, DemoInvitationState::Sent) => assert!(invitation.expires_at > config.end),
                (answer, state) => panic!("{state:?} with {answer:?}"),
            }
        }
        let invited = decisions["invited"] as f64 / history.len() as f64;
        assert!(invited > 0.6 && decisions["cool_down"] > 100, "{decisions:?}");
        let still_open =
            history.iter().filter_map(|s| s.invitation.as_ref()).any(|i| i.state == DemoInvitationState::Sent);
        assert!(still_open, "the latest invitations are still open");
    }

    #[test]
    fn the_history_can_be_planned_while_the_events_stream_past() {
        let config = DemoConfig { tickets: 600, ..config(3) };
        let desk = desk(&config);
        let policy = SurveyPolicy::default_policy();
        let mut planner = SurveyPlanner::new(&config, &desk, &policy, b"key");
        // Interleaved tickets and foreign events change nothing.
        let mut events: Vec<TicketEvent> = crate::ticket_events(&config, &desk).collect();
        events.sort_by_key(|e| e.occurred_at);
        for event in &events {
            planner.observe(event);
            let mut foreign = event.clone();
            foreign.ticket.requester = None;
            foreign.ticket.external_id.push('x');
            planner.observe(&foreign);
        }
        assert_eq!(planner.finish(), survey_history(&config, &desk, &policy, b"key"));
    }
}
