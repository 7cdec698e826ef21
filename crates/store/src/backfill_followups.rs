//! Follow-ups for the demo desk's past answers, as the live path would have left them:
//! old recovery cases closed with a root cause (some with a recovery-survey answer), recent
//! ones open, in progress or overdue; check-ins sent (some answered) or still to send.
//! Idempotent: an answer that already has a follow-up is left alone.

use crate::db::Conn;
use crate::followups::event;
use crate::params;
use crate::settings::{setting, BUSINESS_DAYS, BUSINESS_END, BUSINESS_START, TIME_ZONE};
use crate::{Result, Store};
use rapport_domain::business_hours::BusinessCalendar;
use rapport_domain::followup::{
    checkin_due, default_checkin_message, fires_at, follow_up_for, recovery_due, FollowUpKind, FollowUpRules,
};
use rapport_domain::time::Millis;

const ROOT_CAUSES: [&str; 4] = [
    "The fix was a workaround; the real fault came back two days later.",
    "We closed the ticket without confirming with the customer.",
    "The request waited in the wrong queue over the weekend.",
    "The customer was not told that a part had to be ordered.",
];

/// SplitMix64: stable, reproducible demo choices from a row id.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// An answer without a follow-up: response id, CSAT, when, customer name, ticket title.
type PastAnswer = (i64, i64, Millis, Option<String>, Option<String>);

fn calendar(conn: &mut dyn Conn) -> Result<BusinessCalendar> {
    let get = |conn: &mut dyn Conn, key: &str, default: &str| -> Result<String> {
        Ok(setting(conn, key)?.unwrap_or_else(|| default.to_string()))
    };
    let zone = get(conn, TIME_ZONE, "UTC")?;
    let (start, end) = (get(conn, BUSINESS_START, "09:00")?, get(conn, BUSINESS_END, "17:00")?);
    let days = get(conn, BUSINESS_DAYS, "mon,tue,wed,thu,fri")?;
    Ok(BusinessCalendar::from_settings(&zone, &start, &end, &days).unwrap_or_default())
}

impl Store {
    /// Follow-ups for the answers given since `since`; answers how many were written.
    pub async fn backfill_follow_ups(&self, since: Millis, now: Millis) -> Result<usize> {
        self.write(move |conn| {
            let calendar = calendar(conn)?;
            let rules = FollowUpRules::default();
            let answers: Vec<PastAnswer> = conn
                .query(
                    "SELECT r.id, r.csat, r.first_answered_at, c.name, t.title FROM responses r
                     JOIN customers c ON c.id = r.customer_id JOIN tickets t ON t.id = r.ticket_id
                     WHERE r.first_answered_at >= $1 AND r.first_answered_at < $2 AND r.automated = 0
                       AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.response_id = r.id)
                     ORDER BY r.id",
                    params![since, now],
                )?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .collect::<Result<_>>()?;
            let mut written = 0;
            for (response, csat, answered_at, customer, title) in answers {
                let Some(kind) = follow_up_for(&rules, csat as u8, None) else { continue };
                let fired = fires_at(&rules, answered_at);
                let pick = mix(response as u64);
                let id: i64 = conn.value(
                    "INSERT INTO follow_ups (kind, state, response_id, ticket_id, customer_id, agent_id, team_id,
                         owner_queue, fires_at, created_at, updated_at)
                     SELECT $1, 'open', r.id, r.ticket_id, r.customer_id, r.agent_id, r.team_id, $2, $3, $4, $4
                     FROM responses r WHERE r.id = $5 RETURNING id",
                    params![kind.as_str(), "Team leads", fired, answered_at, response],
                )?;
                event(conn, id, answered_at, "rapport", "created", None, None)?;
                event(conn, id, fired, "rapport", "opened", None, None)?;
                match kind {
                    FollowUpKind::Recovery => recovery(conn, id, &rules, &calendar, fired, pick, now)?,
                    FollowUpKind::CheckIn => {
                        let first = customer.as_deref().and_then(|n| n.split_whitespace().next());
                        let message = default_checkin_message(first, title.as_deref(), "");
                        check_in(conn, id, &rules, &calendar, answered_at, &message, pick, now)?
                    }
                }
                written += 1;
            }
            Ok(written)
        })
        .await
    }
}

fn recovery(
    conn: &mut dyn Conn,
    id: i64,
    rules: &FollowUpRules,
    calendar: &BusinessCalendar,
    fired: Millis,
    pick: u64,
    now: Millis,
) -> Result<()> {
    let due = recovery_due(rules, calendar, fired);
    conn.execute(
        "UPDATE follow_ups SET first_contact_due = $1, due_at = $2 WHERE id = $3",
        params![due.first_contact_due, due.resolve_due, id],
    )?;
    let contact = fired + 3_600_000 * (1 + (pick % 6) as i64);
    // Most old cases are closed; a few stay open, past their due time, for the overdue queue.
    if due.resolve_due + 2 * 86_400_000 < now && !pick.is_multiple_of(10) {
        let closed_at = due.resolve_due.min(contact + 86_400_000);
        let gap = rules.service_gaps[(pick >> 8) as usize % rules.service_gaps.len()].clone();
        let resolved = !(pick >> 16).is_multiple_of(5);
        conn.execute(
            "UPDATE follow_ups SET state = 'done', first_contact_at = $1, closed_at = $2, root_cause = $3,
                 service_gap = $4, resolved = $5, updated_at = $2 WHERE id = $6",
            params![contact, closed_at, ROOT_CAUSES[(pick >> 24) as usize % 4], gap, i64::from(resolved), id],
        )?;
        event(conn, id, contact, "demo", "step", Some("acknowledge"), Some("Called the customer"))?;
        event(conn, id, closed_at, "demo", "closed", None, Some(&gap))?;
        if (pick >> 32) % 10 < 6 {
            let score = [5, 4, 4, 3, 2][(pick >> 40) as usize % 5];
            conn.execute(
                "UPDATE follow_ups SET recovery_score = $1, recovery_answered_at = $2 WHERE id = $3",
                params![score, closed_at + 7_200_000, id],
            )?;
        }
    } else if contact < now && pick.is_multiple_of(3) {
        conn.execute(
            "UPDATE follow_ups SET state = 'in_progress', first_contact_at = $1, updated_at = $1 WHERE id = $2",
            params![contact, id],
        )?;
        event(conn, id, contact, "demo", "step", Some("acknowledge"), None)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_in(
    conn: &mut dyn Conn,
    id: i64,
    rules: &FollowUpRules,
    calendar: &BusinessCalendar,
    answered_at: Millis,
    message: &str,
    pick: u64,
    now: Millis,
) -> Result<()> {
    let due = checkin_due(rules, calendar, answered_at);
    conn.execute("UPDATE follow_ups SET due_at = $1 WHERE id = $2", params![due, id])?;
    if due < now && !pick.is_multiple_of(10) {
        let reply = match pick % 20 {
            0 => Some("need_help"),
            1..=9 => Some("all_good"),
            _ => None,
        };
        conn.execute(
            "UPDATE follow_ups SET state = 'done', message = $1, sent_at = $2, closed_at = $2, first_contact_at = $2,
                 customer_reply = $3, replied_at = CASE WHEN CAST($3 AS TEXT) IS NULL THEN NULL ELSE $4 END,
                 updated_at = $2 WHERE id = $5",
            params![message, due, reply, due + 3_600_000, id],
        )?;
        event(conn, id, due, "demo", "sent", None, Some(message))?;
    }
    Ok(())
}

/// What the demo's follow-ups look like: (open recovery cases, of which overdue, closed
/// recovery cases, check-ins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpTotals {
    pub open_cases: i64,
    pub overdue_cases: i64,
    pub closed_cases: i64,
    pub check_ins: i64,
}

impl Store {
    pub async fn follow_up_totals(&self, now: Millis) -> Result<FollowUpTotals> {
        self.read(move |conn| {
            let r = conn.query_one(
                "SELECT COALESCE(SUM(CASE WHEN kind = 'recovery' AND state IN ('open', 'in_progress') THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN kind = 'recovery' AND state IN ('open', 'in_progress')
                            AND (due_at < $1 OR (first_contact_at IS NULL AND first_contact_due < $1)) THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN kind = 'recovery' AND state = 'done' THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN kind = 'check_in' THEN 1 ELSE 0 END), 0)
                 FROM follow_ups",
                params![now],
            )?;
            Ok(FollowUpTotals { open_cases: r.get(0)?, overdue_cases: r.get(1)?, closed_cases: r.get(2)?, check_ins: r.get(3)? })
        })
        .await
    }
}
