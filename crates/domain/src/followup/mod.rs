//! Closing the loop: what every survey answer leads to.
//!
//! A survey is only worth sending if someone acts on the answer. A negative answer opens a
//! **recovery case** for a named owner at once, because an unhappy customer who hears back within
//! hours is often won back and one who hears nothing is lost; a positive answer schedules a short,
//! personal **check-in** a couple of days later, because "is it still working?" catches fixes that
//! did not last and makes a good experience memorable; a neutral answer leads to nothing, so staff
//! are not trained to ignore noise.
//!
//! Everything here is pure: the rules a desk configures ([`FollowUpRules`]), the classification of
//! an answer ([`follow_up_for`]), what to do when the customer changes their answer
//! ([`reconcile`]), the guided recovery steps ([`RecoveryStep`]), the checks for closing a case
//! ([`check_close`]), the due times in the desk's business time ([`recovery_due`],
//! [`checkin_due`], [`fires_at`]) and the default check-in text ([`default_checkin_message`]).
//! The store and the server do the I/O.

use serde::{Deserialize, Serialize};

use crate::business_hours::BusinessCalendar;
use crate::event::FieldError;
use crate::text::{clean, clean_line};
use crate::time::Millis;

#[cfg(test)]
mod tests;

const MINUTE_MS: i64 = 60_000;
/// A root cause is a short analysis, not an essay; longer text belongs in the ticket.
pub const MAX_ROOT_CAUSE_CHARS: usize = 2_000;
/// Service gaps are picked from a list on a small form, so they must stay short and few.
pub const MAX_SERVICE_GAP_CHARS: usize = 80;
pub const MAX_SERVICE_GAPS: usize = 30;
/// Ticket titles are cut to this many characters in the check-in text, so it stays short.
const MAX_TITLE_CHARS: usize = 80;
const MAX_NAME_CHARS: usize = 60;

/// Who is alerted when a recovery case fires.
///
/// The team lead is the default because a complaint about an agent is best handled by someone
/// other than that agent, and a lead can reassign; some desks prefer a dedicated queue, and small
/// desks simply give it back to the agent who worked the ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecoveryOwner {
    #[default]
    TeamLead,
    Queue {
        name: String,
    },
    Agent,
}

/// A desk's (or a survey policy's) rules for acting on answers.
///
/// Stored as JSON next to the policy; every missing field takes the product default, so rules
/// saved by an older version keep working when a field is added (`{}` is the default rules).
/// Thresholds apply to CSAT on the 5-point scale, where every answer is stored (a 3-point answer
/// of 1/2/3 is stored as 1/3/5, so it reads as recovery/none/check-in under the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FollowUpRules {
    /// Off: answers lead to no follow-ups at all.
    pub enabled: bool,
    /// CSAT at or below this (1–5) opens a recovery case.
    pub recovery_csat_max: u8,
    /// NPS at or below this (0–10), when NPS was asked, opens a recovery case.
    pub recovery_nps_max: u8,
    /// CSAT at or above this (1–5) schedules a check-in, unless a recovery is called for.
    pub checkin_csat_min: u8,
    /// NPS at or above this (0–10), when asked, schedules a check-in, unless a recovery is called for.
    pub checkin_nps_min: u8,
    /// Wall-clock minutes before a follow-up fires, so a misclicked face can be corrected first.
    pub grace_minutes: u32,
    pub recovery_owner: RecoveryOwner,
    /// Business minutes from a recovery case opening to the first contact with the customer.
    pub first_contact_business_minutes: u32,
    /// Business days from a recovery case opening to its resolution.
    pub resolve_business_days: u32,
    /// Business days from a positive answer to the check-in.
    pub checkin_business_days: u32,
    /// Off (default): a due check-in waits for the agent to send it with one click, because a
    /// personal note is the point of it. On: it is sent automatically when due.
    pub checkins_automatic: bool,
    /// Send the customer an acknowledgement email when a recovery case fires.
    pub acknowledge_customer: bool,
    /// The service gaps a closed recovery case is filed under, for trend reports.
    pub service_gaps: Vec<String>,
    /// The desk's own acknowledgement text, instead of the translated default. Placeholders:
    /// `{first_name}`, `{ticket}`, `{title}`, `{owner}`, `{due}`, `{desk}`.
    pub acknowledgement: Option<String>,
}

/// The placeholders an acknowledgement template may use.
pub const ACKNOWLEDGEMENT_PLACEHOLDERS: [&str; 6] = ["first_name", "ticket", "title", "owner", "due", "desk"];
pub const MAX_ACKNOWLEDGEMENT_CHARS: usize = 2_000;

/// Fills an acknowledgement template; unknown `{names}` were refused when it was saved.
pub fn fill_acknowledgement(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

fn acknowledgement_problem(template: &str) -> Option<String> {
    if clean(template, true).is_none() {
        return Some("must not be blank (leave it out to use the default text)".into());
    }
    if template.chars().count() > MAX_ACKNOWLEDGEMENT_CHARS {
        return Some(format!("must be at most {MAX_ACKNOWLEDGEMENT_CHARS} characters"));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { return Some("has a { without its }".into()) };
        let name = &after[..close];
        if !ACKNOWLEDGEMENT_PLACEHOLDERS.contains(&name) {
            let known = ACKNOWLEDGEMENT_PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
            return Some(format!("{{{name}}} is not a placeholder; use {known}"));
        }
        rest = &after[close + 1..];
    }
    None
}

impl Default for FollowUpRules {
    fn default() -> Self {
        Self {
            enabled: true,
            recovery_csat_max: 2,
            recovery_nps_max: 6,
            checkin_csat_min: 4,
            checkin_nps_min: 9,
            grace_minutes: 5,
            recovery_owner: RecoveryOwner::TeamLead,
            first_contact_business_minutes: 240,
            resolve_business_days: 2,
            checkin_business_days: 2,
            checkins_automatic: false,
            acknowledge_customer: true,
            service_gaps: [
                "Slow response",
                "Fix did not last",
                "Not kept informed",
                "Unfriendly or unhelpful",
                "Had to repeat myself",
                "Knowledge gap",
                "Process or policy",
                "Tooling or access",
                "Other",
            ]
            .map(String::from)
            .to_vec(),
            acknowledgement: None,
        }
    }
}

impl FollowUpRules {
    /// Checks every field, naming each bad one once (in field order), so one reply to the settings
    /// form tells the admin everything that is wrong. The order relations (recovery below
    /// check-in) are only checked when both thresholds are in range, to avoid a second,
    /// confusing error about a value already reported.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut range = |field: &str, value: u32, min: u32, max: u32| {
            let ok = (min..=max).contains(&value);
            if !ok {
                errors.push(FieldError::new(field, format!("must be between {min} and {max}")));
            }
            ok
        };
        let csat_max = range("recovery_csat_max", self.recovery_csat_max.into(), 1, 5);
        let nps_max = range("recovery_nps_max", self.recovery_nps_max.into(), 0, 10);
        let csat_min = range("checkin_csat_min", self.checkin_csat_min.into(), 1, 5);
        let nps_min = range("checkin_nps_min", self.checkin_nps_min.into(), 0, 10);
        range("grace_minutes", self.grace_minutes, 0, 60);
        range("first_contact_business_minutes", self.first_contact_business_minutes, 15, 10_080);
        range("resolve_business_days", self.resolve_business_days, 1, 30);
        range("checkin_business_days", self.checkin_business_days, 1, 30);
        if csat_max && csat_min && self.recovery_csat_max >= self.checkin_csat_min {
            let message = format!("must be above recovery_csat_max ({})", self.recovery_csat_max);
            errors.push(FieldError::new("checkin_csat_min", message));
        }
        if nps_max && nps_min && self.recovery_nps_max >= self.checkin_nps_min {
            let message = format!("must be above recovery_nps_max ({})", self.recovery_nps_max);
            errors.push(FieldError::new("checkin_nps_min", message));
        }
        if let RecoveryOwner::Queue { name } = &self.recovery_owner {
            if clean(name, false).is_none() {
                errors.push(FieldError::new("recovery_owner", "the queue needs a name"));
            }
        }
        if let Some(message) = gaps_problem(&self.service_gaps) {
            errors.push(FieldError::new("service_gaps", message));
        }
        if let Some(message) = self.acknowledgement.as_deref().and_then(acknowledgement_problem) {
            errors.push(FieldError::new("acknowledgement", message));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The first problem with a list of service gaps. Blank and repeated entries are refused too:
/// a closed case is filed under one of them, and two entries that read the same would split a
/// trend in two.
fn gaps_problem(gaps: &[String]) -> Option<String> {
    let keys: Vec<String> = gaps.iter().map(|gap| gap.trim().to_lowercase()).collect();
    if gaps.is_empty() {
        Some("must list at least one service gap".into())
    } else if gaps.len() > MAX_SERVICE_GAPS {
        Some(format!("may hold at most {MAX_SERVICE_GAPS} entries"))
    } else if gaps.iter().any(|gap| clean(gap, false).is_none()) {
        Some("entries must not be blank".into())
    } else if gaps.iter().any(|gap| gap.trim().chars().count() > MAX_SERVICE_GAP_CHARS) {
        Some(format!("entries must be at most {MAX_SERVICE_GAP_CHARS} characters"))
    } else if keys.iter().enumerate().any(|(i, key)| keys[..i].contains(key)) {
        Some("entries must differ from each other".into())
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    Recovery,
    CheckIn,
}

impl FollowUpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recovery => "recovery",
            Self::CheckIn => "check_in",
        }
    }

    /// Case-insensitive, as stored by [`Self::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase();
        [Self::Recovery, Self::CheckIn].into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// What an answer calls for: `csat` on the 5-point scale, `nps` if it was asked and answered.
///
/// Rule: **recovery** if CSAT ≤ `recovery_csat_max` or NPS ≤ `recovery_nps_max`; otherwise a
/// **check-in** if CSAT ≥ `checkin_csat_min` or NPS ≥ `checkin_nps_min`; otherwise nothing. Any
/// negative signal wins, because missing an unhappy customer costs far more than a needless call:
/// CSAT 5 with NPS 5 opens a recovery case. Either positive signal is enough for a check-in, which
/// is cheap and friendly: CSAT 3 with NPS 9 gets one. Disabled rules call for nothing. Values are
/// compared as given (answers are checked on input), so a CSAT of 0 reads as negative.
pub fn follow_up_for(rules: &FollowUpRules, csat: u8, nps: Option<u8>) -> Option<FollowUpKind> {
    if !rules.enabled {
        None
    } else if csat <= rules.recovery_csat_max || nps.is_some_and(|n| n <= rules.recovery_nps_max) {
        Some(FollowUpKind::Recovery)
    } else if csat >= rules.checkin_csat_min || nps.is_some_and(|n| n >= rules.checkin_nps_min) {
        Some(FollowUpKind::CheckIn)
    } else {
        None
    }
}

/// Where a follow-up is in its life: `Pending` (in the grace window) → `Open` (fired: owner
/// alerted, or check-in due) → `InProgress` (someone is working on it) → `Done`; any unfinished
/// state may become `Cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Pending,
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl FollowUpState {
    pub const ALL: [FollowUpState; 5] = [Self::Pending, Self::Open, Self::InProgress, Self::Done, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// Case-insensitive, as stored by [`Self::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|state| state.as_str() == raw)
    }

    /// Nothing more will happen to it: done or cancelled.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }
}

/// What to do with the follow-ups of an answer when the answer changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconcile {
    /// Leave things as they are.
    Keep,
    /// Create a follow-up of this kind (there is no unfinished one to replace).
    Create(FollowUpKind),
    /// Cancel the existing, unfinished follow-up.
    Cancel,
    /// Cancel the existing, unfinished follow-up and create one of the other kind.
    Replace { cancel: FollowUpKind, create: FollowUpKind },
}

/// What a changed answer does to the follow-up the answer caused before. `existing` is that
/// follow-up's kind and state (`None` if there is none); `wanted` is [`follow_up_for`] the new
/// answer. The result never leaves two unfinished follow-ups for one answer.
///
/// Decisions, in order:
/// 1. No follow-up, or a cancelled one: create what is wanted (if anything). A cancelled
///    follow-up is history, so changing 2 → 3 → 2 opens a fresh case.
/// 2. Same kind as wanted, in any other state: keep it (a repeated click is not a new complaint).
/// 3. A recovery someone started (`InProgress`) or finished (`Done`) is kept whatever the new
///    answer: the customer was contacted, and withdrawing the case would hide that contact and
///    lose its root cause; the case's own "check back later" step replaces a check-in.
/// 4. A finished check-in is kept; if the new answer is negative a recovery is created next to
///    it, because a negative answer always gets a recovery.
/// 5. Anything else unfinished (`Pending`, `Open`, a check-in `InProgress`) follows the latest
///    answer: cancel it, and create the other kind if wanted. This includes a recovery that has
///    fired but that nobody has started: the owner was alerted and perhaps an acknowledgement
///    sent, so callers seeing `Cancel`/`Replace` for an `Open` recovery should tell the owner.
pub fn reconcile(existing: Option<(FollowUpKind, FollowUpState)>, wanted: Option<FollowUpKind>) -> Reconcile {
    use FollowUpKind::{CheckIn, Recovery};
    use FollowUpState::{Cancelled, Done, InProgress};
    let Some((kind, state)) = existing.filter(|(_, state)| *state != Cancelled) else {
        return wanted.map_or(Reconcile::Keep, Reconcile::Create);
    };
    match (kind, state, wanted) {
        (_, _, Some(wanted)) if wanted == kind => Reconcile::Keep,
        (Recovery, InProgress | Done, _) => Reconcile::Keep,
        (CheckIn, Done, Some(Recovery)) => Reconcile::Create(Recovery),
        (CheckIn, Done, _) => Reconcile::Keep,
        (_, _, Some(create)) => Reconcile::Replace { cancel: kind, create },
        (_, _, None) => Reconcile::Cancel,
    }
}

/// The guided steps of a recovery case, in the order they are worked: a case that follows them
/// turns most unhappy customers around, and the last two feed the service-gap reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryStep {
    Acknowledge,
    Apologise,
    Listen,
    Fix,
    Confirm,
    RootCause,
    CheckBack,
}

impl RecoveryStep {
    pub const ALL: [RecoveryStep; 7] =
        [Self::Acknowledge, Self::Apologise, Self::Listen, Self::Fix, Self::Confirm, Self::RootCause, Self::CheckBack];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Apologise => "apologise",
            Self::Listen => "listen",
            Self::Fix => "fix",
            Self::Confirm => "confirm",
            Self::RootCause => "root_cause",
            Self::CheckBack => "check_back",
        }
    }

    /// Case-insensitive, as stored by [`Self::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|step| step.as_str() == raw)
    }

    /// The step's name as staff see it (English; the staff UI is not translated).
    pub fn title(self) -> &'static str {
        match self {
            Self::Acknowledge => "Acknowledge and thank",
            Self::Apologise => "Apologise",
            Self::Listen => "Listen and understand",
            Self::Fix => "Fix",
            Self::Confirm => "Confirm with the customer",
            Self::RootCause => "Record the root cause and service gap",
            Self::CheckBack => "Check back later",
        }
    }
}

/// The close form of a recovery case, as posted (every field optional so that one reply can name
/// everything missing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseRecovery {
    pub root_cause: Option<String>,
    pub service_gap: Option<String>,
    pub resolved: Option<bool>,
}

/// A checked close: the root cause cleaned, the service gap spelled as in the rules' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedRecovery {
    pub root_cause: String,
    pub service_gap: String,
    /// Whether the customer's problem was resolved in the end (not whether they were won back).
    pub resolved: bool,
}

/// Checks the close form. A case cannot be closed without a root cause, a service gap and the
/// answer to "was the customer's problem resolved?", because those three are what the loop is for:
/// without them the same complaint comes back next month. The root cause keeps its line breaks
/// and loses control characters; the service gap matches the list ignoring case and surrounding
/// blanks, and is returned as the list spells it, so reports group cleanly.
pub fn check_close(rules: &FollowUpRules, input: &CloseRecovery) -> Result<ClosedRecovery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let root_cause = input.root_cause.as_deref().and_then(|raw| clean(raw, true));
    match &root_cause {
        None => errors.push(FieldError::new("root_cause", "is required")),
        Some(text) if text.chars().count() > MAX_ROOT_CAUSE_CHARS => {
            errors.push(FieldError::new("root_cause", format!("is longer than {MAX_ROOT_CAUSE_CHARS} characters")))
        }
        Some(_) => {}
    }
    let service_gap = match input.service_gap.as_deref().and_then(|raw| clean(raw, false)) {
        None => {
            errors.push(FieldError::new("service_gap", "is required"));
            None
        }
        Some(chosen) => {
            let found = rules.service_gaps.iter().find(|gap| gap.trim().to_lowercase() == chosen.to_lowercase());
            if found.is_none() {
                errors.push(FieldError::new("service_gap", "must be one of the desk's service gaps"));
            }
            found.map(|gap| gap.trim().to_string())
        }
    };
    if input.resolved.is_none() {
        errors.push(FieldError::new("resolved", "is required"));
    }
    match (root_cause, service_gap, input.resolved) {
        (Some(root_cause), Some(service_gap), Some(resolved)) if errors.is_empty() => {
            Ok(ClosedRecovery { root_cause, service_gap, resolved })
        }
        _ => Err(errors),
    }
}

/// A recovery case's SLA deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryDue {
    pub first_contact_due: Millis,
    pub resolve_due: Millis,
}

/// The SLA deadlines of a recovery case opened at `opened_at` (pass the instant it fired, see
/// [`fires_at`]: the grace window is the customer's time, not the desk's), counted in the desk's
/// business time so a Friday-evening complaint is not overdue by Monday morning. A deadline that
/// lands exactly at closing stays "close of business" that day. The resolve deadline is never
/// before the first-contact one: rules of 10 080 business minutes to first contact and 1 day to
/// resolve make both due at the first-contact deadline rather than asking to resolve unseen.
pub fn recovery_due(rules: &FollowUpRules, calendar: &BusinessCalendar, opened_at: Millis) -> RecoveryDue {
    let first_contact_due = calendar.add_business_minutes(opened_at, rules.first_contact_business_minutes.into());
    let resolve_due = calendar.add_business_days(opened_at, rules.resolve_business_days.into());
    RecoveryDue { first_contact_due, resolve_due: resolve_due.max(first_contact_due) }
}

/// When a check-in for an answer given at `answered_at` is due: `checkin_business_days` business
/// days later, at the same time of day. Unlike a deadline, a check-in is something to *do* (and
/// may be sent automatically), so a time that lands exactly at closing moves to the next opening:
/// a message should go out when someone is there to read the reply.
pub fn checkin_due(rules: &FollowUpRules, calendar: &BusinessCalendar, answered_at: Millis) -> Millis {
    calendar.next_open(calendar.add_business_days(answered_at, rules.checkin_business_days.into()))
}

/// When a follow-up fires (owner alerted, acknowledgement sent, check-in scheduled for good):
/// `grace_minutes` wall-clock minutes after the answer, so a misclicked face corrected within a
/// minute or two never alarms anyone. Wall-clock, not business time: the grace is about the
/// customer's click, not the desk's hours. A changed answer that leads to [`Reconcile::Create`] or
/// [`Reconcile::Replace`] starts a new grace window from the time of the change.
pub fn fires_at(rules: &FollowUpRules, answered_at: Millis) -> Millis {
    answered_at.saturating_add(i64::from(rules.grace_minutes) * MINUTE_MS)
}

/// The check-in text the agent sees (and may edit) before sending: short, personal, signed, with
/// the ticket named so the customer knows at once what it is about. A missing customer name gives
/// "Hi,", a missing title "your recent request", a blank agent name no signature. Titles longer
/// than 80 characters are cut with an ellipsis. English only: staff edit it before it goes out.
pub fn default_checkin_message(
    customer_first_name: Option<&str>,
    ticket_title: Option<&str>,
    agent_first_name: &str,
) -> String {
    let greeting = match customer_first_name.and_then(|name| clean_line(name, MAX_NAME_CHARS)) {
        Some(name) => format!("Hi {name},"),
        None => "Hi,".to_string(),
    };
    let subject = match ticket_title.and_then(|title| clean(title, false)) {
        Some(title) if title.chars().count() > MAX_TITLE_CHARS => {
            let cut: String = title.chars().take(MAX_TITLE_CHARS).collect();
            format!("“{}…”", cut.trim_end())
        }
        Some(title) => format!("“{title}”"),
        None => "your recent request".to_string(),
    };
    let mut message = format!("{greeting} just checking that {subject} is still sorted. Anything else we can do?");
    if let Some(agent) = clean_line(agent_first_name, MAX_NAME_CHARS) {
        message.push_str(" — ");
        message.push_str(&agent);
    }
    message
}
