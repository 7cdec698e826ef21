//! Follow-ups: what each answer leads to. Created (or updated, or cancelled) in the same
//! transaction as the answer, fired by a job after the grace window, worked by staff
//! step by step, escalated once when late. Every change leaves a timeline event.

use crate::db::{Conn, Row, Value};
use crate::jobs::{schedule, JobKind};
use crate::params;
use crate::visibility::Visibility;
use crate::{Result, StoreError};
use rapport_domain::business_hours::BusinessCalendar;
use rapport_domain::followup::{
    checkin_due, fires_at, follow_up_for, reconcile, recovery_due, ClosedRecovery, FollowUpKind, FollowUpRules,
    FollowUpState, Reconcile, RecoveryOwner, RecoveryStep,
};
use rapport_domain::time::Millis;
use serde::Serialize;

/// A customer's "I need help" after a check-in: a follow-up of its own, owned by the agent.
pub const HELP_REQUEST: &str = "help_request";

/// What the answer just written says (its caller has it at hand: no need to read it back).
#[derive(Debug, Clone, Copy)]
pub struct Given {
    pub csat: i64,
    pub nps: Option<i64>,
    pub automated: bool,
    /// A first answer has no follow-up yet.
    pub first: bool,
}

/// The answer's response and what it is attributed to, as its caller just wrote them.
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub response_id: i64,
    pub ticket_id: i64,
    pub customer_id: i64,
    pub agent_id: Option<i64>,
    pub team_id: Option<i64>,
}

/// Reconciles the follow-up of response `about.response_id` with its (new) answer. An answer
/// flagged as automated asks for nothing.
pub fn on_answer(
    conn: &mut dyn Conn,
    about: &Answered,
    given: Given,
    rules: &FollowUpRules,
    now: Millis,
) -> Result<()> {
    let Given { csat, nps, automated, first } = given;
    let response_id = about.response_id;
    let wanted = if automated { None } else { follow_up_for(rules, csat as u8, nps.map(|n| n as u8)) };
    let existing = if first {
        None
    } else {
        conn.query_opt(
            "SELECT id, kind, state FROM follow_ups WHERE response_id = $1 AND kind IN ('recovery', 'check_in')
             AND state <> 'cancelled' ORDER BY id DESC LIMIT 1",
            params![response_id],
        )?
    };
    let existing = match existing {
        Some(row) => {
            let (id, kind, state): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let kind =
                FollowUpKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("follow-up kind {kind}")))?;
            let state = FollowUpState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?;
            Some((id, kind, state))
        }
        None => None,
    };
    match reconcile(existing.map(|(_, kind, state)| (kind, state)), wanted) {
        Reconcile::Keep => Ok(()),
        Reconcile::Create(kind) => create(conn, about, kind, rules, now),
        Reconcile::Cancel => cancel(conn, existing.map(|e| e.0), "the customer changed their answer", now),
        Reconcile::Replace { create: kind, .. } => {
            cancel(conn, existing.map(|e| e.0), "the customer changed their answer", now)?;
            create(conn, about, kind, rules, now)
        }
    }
}

fn create(conn: &mut dyn Conn, about: &Answered, kind: FollowUpKind, rules: &FollowUpRules, now: Millis) -> Result<()> {
    let at = fires_at(rules, now);
    let id = conn
        .insert_id(
            "INSERT INTO follow_ups (kind, state, response_id, ticket_id, customer_id, agent_id, team_id, fires_at,
                 created_at, updated_at)
             VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $8)",
            params![
                kind.as_str(),
                about.response_id,
                about.ticket_id,
                about.customer_id,
                about.agent_id,
                about.team_id,
                at,
                now
            ],
        )?
        .ok_or_else(|| StoreError::Database("the follow-up was not inserted".into()))?;
    event(conn, id, now, "rapport", "created", None, None)?;
    schedule(conn, JobKind::FireFollowUp, id, at, now)
}

fn cancel(conn: &mut dyn Conn, id: Option<i64>, why: &str, now: Millis) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    conn.execute(
        "UPDATE follow_ups SET state = 'cancelled', closed_at = $1, updated_at = $1 WHERE id = $2",
        params![now, id],
    )?;
    event(conn, id, now, "rapport", "cancelled", None, Some(why))
}

pub fn event(
    conn: &mut dyn Conn,
    id: i64,
    at: Millis,
    actor: &str,
    kind: &str,
    step: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO follow_up_events (follow_up_id, at, actor, kind, step, note) VALUES ($1, $2, $3, $4, $5, $6)",
        params![id, at, actor, kind, step, note],
    )
    .map(drop)
}

/// A follow-up with what its pages, emails and alerts show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub response_id: i64,
    pub parent_id: Option<i64>,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub customer_id: i64,
    pub customer_name: Option<String>,
    pub customer_email: String,
    pub customer_language: Option<String>,
    pub agent_id: Option<i64>,
    pub agent_name: Option<String>,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub owner_user_id: Option<i64>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub owner_queue: Option<String>,
    pub csat: i64,
    pub nps: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Millis,
    pub fires_at: Millis,
    pub first_contact_due: Option<Millis>,
    pub due_at: Option<Millis>,
    pub first_contact_at: Option<Millis>,
    pub escalated_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    pub message: Option<String>,
    pub sent_at: Option<Millis>,
    pub customer_reply: Option<String>,
    pub root_cause: Option<String>,
    pub service_gap: Option<String>,
    pub resolved: Option<bool>,
    pub recovery_score: Option<i64>,
    pub policy_id: i64,
}

impl FollowUp {
    /// Unfinished and past a due time: no first contact in time, or not resolved in time.
    pub fn overdue(&self, now: Millis) -> bool {
        let missed_contact = self.first_contact_at.is_none() && self.first_contact_due.is_some_and(|due| now > due);
        matches!(self.state.as_str(), "open" | "in_progress")
            && (missed_contact || self.due_at.is_some_and(|due| now > due))
    }
}

/// [`FollowUp::overdue`] in SQL, for the follow-up `f` and the instant `$n`.
fn overdue_sql(n: usize) -> String {
    format!(
        "f.state IN ('open', 'in_progress') AND (f.due_at < ${n} OR (f.first_contact_at IS NULL AND f.first_contact_due < ${n}))"
    )
}

const SELECT_FOLLOW_UP: &str = "SELECT f.id, f.kind, f.state, f.response_id, f.parent_id, f.ticket_id, t.external_id,
        t.title, f.customer_id, c.name, c.email, c.language, f.agent_id, a.name, f.team_id, tm.name, f.owner_user_id,
        u.name, u.email, f.owner_queue, r.csat, r.nps, r.comment, r.first_answered_at, f.fires_at, f.first_contact_due,
        f.due_at, f.first_contact_at, f.escalated_at, f.closed_at, f.message, f.sent_at, f.customer_reply,
        f.root_cause, f.service_gap, f.resolved, f.recovery_score, i.policy_id
    FROM follow_ups f
    JOIN tickets t ON t.id = f.ticket_id
    JOIN customers c ON c.id = f.customer_id
    JOIN responses r ON r.id = f.response_id
    JOIN invitations i ON i.id = r.invitation_id
    LEFT JOIN agents a ON a.id = f.agent_id
    LEFT JOIN teams tm ON tm.id = f.team_id
    LEFT JOIN staff_users u ON u.id = f.owner_user_id";

fn from_row(r: &Row) -> Result<FollowUp> {
    Ok(FollowUp {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        response_id: r.get(3)?,
        parent_id: r.get(4)?,
        ticket_id: r.get(5)?,
        ticket_external_id: r.get(6)?,
        ticket_title: r.get(7)?,
        customer_id: r.get(8)?,
        customer_name: r.get(9)?,
        customer_email: r.get(10)?,
        customer_language: r.get(11)?,
        agent_id: r.get(12)?,
        agent_name: r.get(13)?,
        team_id: r.get(14)?,
        team_name: r.get(15)?,
        owner_user_id: r.get(16)?,
        owner_name: r.get(17)?,
        owner_email: r.get(18)?,
        owner_queue: r.get(19)?,
        csat: r.get(20)?,
        nps: r.get(21)?,
        comment: r.get(22)?,
        answered_at: r.get(23)?,
        fires_at: r.get(24)?,
        first_contact_due: r.get(25)?,
        due_at: r.get(26)?,
        first_contact_at: r.get(27)?,
        escalated_at: r.get(28)?,
        closed_at: r.get(29)?,
        message: r.get(30)?,
        sent_at: r.get(31)?,
        customer_reply: r.get(32)?,
        root_cause: r.get(33)?,
        service_gap: r.get(34)?,
        resolved: r.get::<Option<i64>>(35)?.map(|v| v != 0),
        recovery_score: r.get(36)?,
        policy_id: r.get(37)?,
    })
}

pub fn follow_up(conn: &mut dyn Conn, id: i64) -> Result<Option<FollowUp>> {
    let sql = format!("{SELECT_FOLLOW_UP} WHERE f.id = $1");
    conn.query_opt(&sql, params![id])?.as_ref().map(from_row).transpose()
}

/// Which follow-ups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Owned by this staff user.
    Mine(i64),
    /// Everything the viewer may see that is not finished.
    Team,
    /// Not finished and past its due time.
    Overdue(Millis),
    /// Finished (done or cancelled), newest first.
    Closed,
}

/// Follow-ups the viewer may see (by the answer's agent and team, or owned by them).
pub fn follow_ups_for(
    conn: &mut dyn Conn,
    visibility: &Visibility,
    user_id: i64,
    queue: Queue,
) -> Result<Vec<FollowUp>> {
    let mut values = vec![Value::Int(user_id)];
    let visible = visibility.condition("f.agent_id", "f.team_id", &mut values);
    let (filter, order) = match queue {
        Queue::Mine(owner) => {
            values.push(Value::Int(owner));
            (format!("f.owner_user_id = ${} AND f.state IN ('open', 'in_progress')", values.len()), "f.due_at")
        }
        Queue::Team => ("f.state IN ('open', 'in_progress')".to_string(), "f.due_at"),
        Queue::Overdue(now) => {
            values.push(Value::Int(now));
            (overdue_sql(values.len()), "f.due_at")
        }
        Queue::Closed => ("f.state IN ('done', 'cancelled')".to_string(), "f.closed_at DESC"),
    };
    let sql = format!(
        "{SELECT_FOLLOW_UP} WHERE ({visible} OR f.owner_user_id = $1) AND {filter} ORDER BY {order}, f.id LIMIT 300"
    );
    conn.query(&sql, &crate::staff_views::refs(&values))?.iter().map(from_row).collect()
}

/// Counts for the navigation: (mine open, overdue in scope).
pub fn counts(conn: &mut dyn Conn, visibility: &Visibility, user_id: i64, now: Millis) -> Result<(i64, i64)> {
    let mut values = vec![Value::Int(user_id), Value::Int(now)];
    let visible = visibility.condition("f.agent_id", "f.team_id", &mut values);
    let overdue = overdue_sql(2);
    let r = conn.query_one(
        &format!(
            "SELECT COALESCE(SUM(CASE WHEN f.owner_user_id = $1 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN {overdue} AND ({visible} OR f.owner_user_id = $1) THEN 1 ELSE 0 END), 0)
             FROM follow_ups f WHERE f.state IN ('open', 'in_progress')"
        ),
        &crate::staff_views::refs(&values),
    )?;
    Ok((r.get(0)?, r.get(1)?))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    pub at: Millis,
    pub actor: String,
    pub kind: String,
    pub step: Option<String>,
    pub note: Option<String>,
}

pub fn timeline(conn: &mut dyn Conn, id: i64) -> Result<Vec<TimelineEvent>> {
    conn.query(
        "SELECT at, actor, kind, step, note FROM follow_up_events WHERE follow_up_id = $1 ORDER BY at, id",
        params![id],
    )?
    .iter()
    .map(|r| Ok(TimelineEvent { at: r.get(0)?, actor: r.get(1)?, kind: r.get(2)?, step: r.get(3)?, note: r.get(4)? }))
    .collect()
}

/// The staff user who owns a recovery case by the policy's routing rule, or the queue.
fn recovery_owner(conn: &mut dyn Conn, rule: &RecoveryOwner, f: &FollowUp) -> Result<(Option<i64>, Option<String>)> {
    let lead = |conn: &mut dyn Conn| -> Result<Option<i64>> {
        conn.value(
            "SELECT MIN(u.id) FROM staff_users u JOIN staff_user_teams st ON st.user_id = u.id
             WHERE st.team_id = $1 AND u.role = 'manager' AND u.disabled_at IS NULL",
            params![f.team_id],
        )
    };
    Ok(match rule {
        RecoveryOwner::Queue { name } => (None, Some(name.clone())),
        RecoveryOwner::Agent => (agent_user(conn, f.agent_id)?.or(lead(conn)?), None),
        RecoveryOwner::TeamLead => (lead(conn)?.or(agent_user(conn, f.agent_id)?), None),
    })
}

/// The staff user of an agent (same email), if they can sign in.
pub fn agent_user(conn: &mut dyn Conn, agent_id: Option<i64>) -> Result<Option<i64>> {
    conn.value(
        "SELECT MIN(u.id) FROM staff_users u JOIN agents a ON a.email = u.email WHERE a.id = $1 AND u.disabled_at IS NULL",
        params![agent_id],
    )
}

/// The grace window has passed: the follow-up gets its owner and due times and becomes
/// open. Answers the follow-up when it fired now (the caller sends the alerts).
pub fn fire(
    conn: &mut dyn Conn,
    id: i64,
    rules: &FollowUpRules,
    calendar: &BusinessCalendar,
    now: Millis,
) -> Result<Option<FollowUp>> {
    let Some(f) = follow_up(conn, id)? else { return Ok(None) };
    if f.state != "pending" {
        return Ok(None);
    }
    match f.kind.as_str() {
        "recovery" => {
            let (owner, queue) = recovery_owner(conn, &rules.recovery_owner, &f)?;
            let due = recovery_due(rules, calendar, now);
            conn.execute(
                "UPDATE follow_ups SET state = 'open', owner_user_id = $1, owner_queue = $2, first_contact_due = $3,
                     due_at = $4, updated_at = $5 WHERE id = $6",
                params![owner, queue, due.first_contact_due, due.resolve_due, now, id],
            )?;
            schedule(conn, JobKind::CheckFollowUpDue, id, due.first_contact_due, now)?;
            schedule(conn, JobKind::CheckFollowUpDue, id, due.resolve_due, now)?;
        }
        _ => {
            let owner = agent_user(conn, f.agent_id)?;
            let due = checkin_due(rules, calendar, f.answered_at);
            conn.execute(
                "UPDATE follow_ups SET state = 'open', owner_user_id = $1, due_at = $2, updated_at = $3 WHERE id = $4",
                params![owner, due, now, id],
            )?;
            if rules.checkins_automatic {
                schedule(conn, JobKind::SendCheckIn, id, due, now)?;
            }
        }
    }
    event(conn, id, now, "rapport", "opened", None, None)?;
    follow_up(conn, id)
}

/// A case past a due time with no escalation yet is escalated, once. Answers it then.
pub fn escalate_if_late(conn: &mut dyn Conn, id: i64, now: Millis) -> Result<Option<FollowUp>> {
    let Some(f) = follow_up(conn, id)? else { return Ok(None) };
    let open = matches!(f.state.as_str(), "open" | "in_progress");
    let missed_contact = f.first_contact_at.is_none() && f.first_contact_due.is_some_and(|due| now >= due);
    let missed_resolution = f.due_at.is_some_and(|due| now >= due);
    if f.kind != "recovery" || !open || f.escalated_at.is_some() || !(missed_contact || missed_resolution) {
        return Ok(None);
    }
    let updated = conn.execute(
        "UPDATE follow_ups SET escalated_at = $1, updated_at = $1 WHERE id = $2 AND escalated_at IS NULL",
        params![now, id],
    )?;
    if updated == 0 {
        return Ok(None);
    }
    let why = if missed_contact { "no first contact in time" } else { "not resolved in time" };
    event(conn, id, now, "rapport", "escalated", None, Some(why))?;
    follow_up(conn, id)
}

/// The managers of a team (who are told about escalations and overdue cases).
pub fn team_managers(conn: &mut dyn Conn, team_id: Option<i64>) -> Result<Vec<(String, String)>> {
    conn.query(
        "SELECT u.name, u.email FROM staff_users u JOIN staff_user_teams st ON st.user_id = u.id
         WHERE st.team_id = $1 AND u.role = 'manager' AND u.disabled_at IS NULL ORDER BY u.id",
        params![team_id],
    )?
    .iter()
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .collect()
}

/// A guided step ticked (with an optional note): the first one is the first contact.
pub fn tick_step(
    conn: &mut dyn Conn,
    id: i64,
    step: RecoveryStep,
    note: Option<&str>,
    actor: &str,
    now: Millis,
) -> Result<()> {
    let changed = conn.execute(
        "UPDATE follow_ups SET state = 'in_progress', first_contact_at = COALESCE(first_contact_at, $1), updated_at = $1
         WHERE id = $2 AND kind = 'recovery' AND state IN ('open', 'in_progress')",
        params![now, id],
    )?;
    if changed == 0 {
        let kind: Option<String> =
            conn.query_opt("SELECT kind FROM follow_ups WHERE id = $1", params![id])?.map(|r| r.get(0)).transpose()?;
        let why = if kind.is_some_and(|k| k != "recovery") {
            "only recovery cases have steps"
        } else {
            "this follow-up is closed"
        };
        return Err(StoreError::Conflict(why.into()));
    }
    event(conn, id, now, actor, "step", Some(step.as_str()), note)
}

/// A note on an unfinished follow-up (checked in the writing transaction, so a follow-up
/// finished meanwhile takes no more notes).
pub fn add_note(conn: &mut dyn Conn, id: i64, note: &str, actor: &str, now: Millis) -> Result<()> {
    let open: i64 =
        conn.value("SELECT COUNT(*) FROM follow_ups WHERE id = $1 AND state IN ('open', 'in_progress')", params![id])?;
    if open == 0 {
        return Err(StoreError::Conflict("this follow-up is not open".into()));
    }
    event(conn, id, now, actor, "note", None, Some(note))
}

/// The latest note written on a case (with a step or alone): what a report shows as the
/// action taken.
pub fn last_note(conn: &mut dyn Conn, id: i64) -> Result<Option<String>> {
    let row = conn.query_opt(
        "SELECT note FROM follow_up_events WHERE follow_up_id = $1 AND kind IN ('note', 'step') AND note IS NOT NULL
         ORDER BY at DESC, id DESC LIMIT 1",
        params![id],
    )?;
    row.map(|r| r.get(0)).transpose()
}

/// Closes a recovery case; the caller schedules the recovery survey.
pub fn close_recovery(conn: &mut dyn Conn, id: i64, closed: &ClosedRecovery, actor: &str, now: Millis) -> Result<()> {
    let changed = conn.execute(
        "UPDATE follow_ups SET state = 'done', closed_at = $1, root_cause = $2, service_gap = $3, resolved = $4,
             first_contact_at = COALESCE(first_contact_at, $1), updated_at = $1
         WHERE id = $5 AND kind = 'recovery' AND state IN ('open', 'in_progress')",
        params![now, closed.root_cause, closed.service_gap, i64::from(closed.resolved), id],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict("this case is not open".into()));
    }
    event(conn, id, now, actor, "closed", None, Some(&format!("{} — {}", closed.service_gap, closed.root_cause)))?;
    schedule(conn, JobKind::SendRecoverySurvey, id, now, now)
}

/// Marks a check-in sent with its message (the caller writes the email) and closes it.
pub fn check_in_sent(conn: &mut dyn Conn, id: i64, message: &str, actor: &str, now: Millis) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE follow_ups SET state = 'done', message = $1, sent_at = $2, closed_at = $2,
             first_contact_at = COALESCE(first_contact_at, $2), updated_at = $2
         WHERE id = $3 AND kind = 'check_in' AND state IN ('open', 'in_progress')",
        params![message, now, id],
    )?;
    if changed == 1 {
        event(conn, id, now, actor, "sent", None, Some(message))?;
    }
    Ok(changed == 1)
}

/// Closes any other open follow-up (a help request) as done.
pub fn mark_done(conn: &mut dyn Conn, id: i64, note: Option<&str>, actor: &str, now: Millis) -> Result<()> {
    let changed = conn.execute(
        "UPDATE follow_ups SET state = 'done', closed_at = $1, first_contact_at = COALESCE(first_contact_at, $1),
             updated_at = $1 WHERE id = $2 AND kind = $3 AND state IN ('open', 'in_progress')",
        params![now, id, HELP_REQUEST],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict("this follow-up is not open".into()));
    }
    event(conn, id, now, actor, "closed", None, note)
}

pub fn add_token(conn: &mut dyn Conn, id: i64, token_hash: &str, purpose: &str, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT INTO follow_up_tokens (token_hash, follow_up_id, purpose, created_at) VALUES ($1, $2, $3, $4)",
        params![token_hash, id, purpose, now],
    )
    .map(drop)
}

/// The follow-up and purpose a customer's link stands for.
pub fn by_token(conn: &mut dyn Conn, token_hash: &str) -> Result<Option<(FollowUp, String)>> {
    let Some(r) = conn
        .query_opt("SELECT follow_up_id, purpose FROM follow_up_tokens WHERE token_hash = $1", params![token_hash])?
    else {
        return Ok(None);
    };
    let (id, purpose): (i64, String) = (r.get(0)?, r.get(1)?);
    Ok(follow_up(conn, id)?.map(|f| (f, purpose)))
}

/// The customer's one-click answer to a check-in. "I need help" opens a follow-up of its
/// own, due at once, owned by the agent; answered once (a second click changes nothing).
pub fn check_in_reply(conn: &mut dyn Conn, id: i64, need_help: bool, now: Millis) -> Result<Option<FollowUp>> {
    let reply = if need_help { "need_help" } else { "all_good" };
    let changed = conn.execute(
        "UPDATE follow_ups SET customer_reply = $1, replied_at = $2, updated_at = $2
         WHERE id = $3 AND kind = 'check_in' AND customer_reply IS NULL",
        params![reply, now, id],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    event(conn, id, now, "customer", "reply", None, Some(reply))?;
    if !need_help {
        return Ok(None);
    }
    let help: i64 = conn.value(
        "INSERT INTO follow_ups (kind, state, response_id, parent_id, ticket_id, customer_id, agent_id, team_id,
             owner_user_id, fires_at, due_at, created_at, updated_at)
         SELECT $1, 'open', response_id, id, ticket_id, customer_id, agent_id, team_id, owner_user_id, $2, $2, $2, $2
         FROM follow_ups WHERE id = $3 RETURNING id",
        params![HELP_REQUEST, now, id],
    )?;
    event(conn, help, now, "customer", "opened", None, Some("the customer asked for help after the check-in"))?;
    follow_up(conn, help)
}

/// The customer's answer to the recovery survey (1–5), once.
pub fn recovery_answer(conn: &mut dyn Conn, id: i64, score: u8, now: Millis) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE follow_ups SET recovery_score = $1, recovery_answered_at = $2, updated_at = $2
         WHERE id = $3 AND kind = 'recovery' AND state = 'done' AND recovery_score IS NULL",
        params![i64::from(score), now, id],
    )?;
    if changed == 1 {
        event(conn, id, now, "customer", "recovery_survey", None, Some(&score.to_string()))?;
    }
    Ok(changed == 1)
}

/// Teams with overdue recovery cases.
pub fn teams_with_overdue(conn: &mut dyn Conn, now: Millis) -> Result<Vec<i64>> {
    let sql = format!(
        "SELECT DISTINCT f.team_id FROM follow_ups f WHERE f.kind = 'recovery' AND f.team_id IS NOT NULL AND {}",
        overdue_sql(1)
    );
    conn.query(&sql, params![now])?.iter().map(|r| r.get(0)).collect()
}

/// Overdue, unfinished recovery cases in a team, for the managers' daily digest.
pub fn overdue_in_team(conn: &mut dyn Conn, team_id: i64, now: Millis) -> Result<Vec<FollowUp>> {
    let sql = format!(
        "{SELECT_FOLLOW_UP} WHERE f.team_id = $1 AND f.kind = 'recovery' AND {} ORDER BY f.due_at",
        overdue_sql(2)
    );
    conn.query(&sql, params![team_id, now])?.iter().map(from_row).collect()
}
