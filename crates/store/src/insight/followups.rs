//! What closing the loop achieved in a period: recovery rate, time to first contact,
//! check-ins on time, and the service gaps and root causes of closed recovery cases.
//!
//! Follow-ups are few next to answers (one per unhappy or happy answer, none per neutral
//! one), and every query here is bounded by the period: recovery cases through their
//! answer (`responses_answered`, then `follow_ups_response`), the rest by their own times.

use super::{answers_condition, scope_condition};
use crate::db::{Conn, Row, Value};
use crate::rollups::Filter;
use crate::staff_views::refs;
use crate::visibility::Visibility;
use crate::Result;
use rapport_domain::time::Millis;
use std::collections::BTreeMap;

/// A recovery case that fired (open, worked or done); pending ones are still in the
/// grace window and cancelled ones were taken back by the customer.
const FIRED_RECOVERY: &str = "f.kind = 'recovery' AND f.state IN ('open', 'in_progress', 'done')";

/// How late a check-in may go and still count as on time: automatic check-ins leave when
/// the worker next runs after their due time, seconds to minutes later.
pub const CHECK_IN_SLACK_MS: Millis = 15 * 60_000;

/// Closing-the-loop figures for a period, narrowed by the filter (the answer's attribution
/// as sent) and the viewer's visibility.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpMetrics {
    /// Recovery cases whose answer falls in the period and that fired.
    pub recoveries_opened: u64,
    /// Of those, closed (state `done`).
    pub recoveries_closed: u64,
    /// Closed with the customer's problem resolved: recovery rate = recovered / closed.
    pub recovered: u64,
    /// Recovery cases (of those opened) with a first contact.
    pub first_contacts: u64,
    /// Median of first contact − the time the case opened (`fires_at`), wall-clock.
    pub first_contact_median_ms: Option<i64>,
    /// Check-ins counted in the period: sent before their due time, at the time they were
    /// sent; otherwise at their due time (so each counts in one period only). Pass a `to`
    /// no later than now, or check-ins not yet due count as late.
    pub checkins_due: u64,
    /// Of those, sent at or before their due time (within [`CHECK_IN_SLACK_MS`]).
    pub checkins_on_time: u64,
}

/// [`FollowUpMetrics`] for answers and check-ins in `from` ≤ t < `to` (milliseconds).
pub fn follow_up_metrics(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> Result<FollowUpMetrics> {
    let mut values = Vec::new();
    let answered = answers_condition(filter, visibility, from, to, &mut values);
    let cases = format!("follow_ups f JOIN responses r ON r.id = f.response_id WHERE {answered} AND {FIRED_RECOVERY}");
    let row = conn.query_one(
        &format!(
            "SELECT COUNT(*),
                    CAST(COALESCE(SUM(CASE WHEN f.state = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN f.state = 'done' AND f.resolved = 1 THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN f.first_contact_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM {cases}"
        ),
        &refs(&values),
    )?;
    let count = |i: usize| -> Result<u64> { Ok(row.get::<i64>(i)?.max(0) as u64) };
    let mut metrics = FollowUpMetrics {
        recoveries_opened: count(0)?,
        recoveries_closed: count(1)?,
        recovered: count(2)?,
        first_contacts: count(3)?,
        ..FollowUpMetrics::default()
    };
    if metrics.first_contacts > 0 {
        // The median without reading every duration (and without PostgreSQL's
        // percentile_cont, which SQLite lacks): the one or two middle rows, in order.
        let n = metrics.first_contacts as i64;
        values.push(Value::Int((n - 1) / 2));
        let sql = format!(
            "SELECT f.first_contact_at - f.fires_at FROM {cases} AND f.first_contact_at IS NOT NULL
             ORDER BY 1 LIMIT 2 OFFSET ${}",
            values.len()
        );
        let middle: Vec<i64> = conn.query(&sql, &refs(&values))?.iter().map(|r| r.get(0)).collect::<Result<_>>()?;
        metrics.first_contact_median_ms = match (n % 2, middle.as_slice()) {
            (1, [one, ..]) => Some(*one),
            (_, [a, b]) => Some(a + (b - a) / 2),
            (_, [one]) => Some(*one),
            _ => None,
        };
    }
    let (on_time, due) = check_ins(conn, filter, visibility, from, to)?;
    (metrics.checkins_on_time, metrics.checkins_due) = (on_time, due);
    Ok(metrics)
}

/// (on time, counted) check-ins in the period; see [`FollowUpMetrics::checkins_due`].
fn check_ins(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> Result<(u64, u64)> {
    let mut values = Vec::new();
    let scope = scope_condition(filter, visibility, &mut values);
    values.extend([Value::Int(from), Value::Int(to), Value::Int(CHECK_IN_SLACK_MS)]);
    let (a, b, slack) = (values.len() - 2, values.len() - 1, values.len());
    let counted_at = "CASE WHEN f.sent_at IS NOT NULL AND f.sent_at < f.due_at THEN f.sent_at ELSE f.due_at END";
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN f.sent_at IS NOT NULL AND f.sent_at <= f.due_at + ${slack} THEN 1 ELSE 0 END), 0) AS BIGINT),
                COUNT(*)
         FROM follow_ups f JOIN responses r ON r.id = f.response_id
         WHERE {scope} AND f.kind = 'check_in' AND f.state <> 'cancelled' AND f.due_at IS NOT NULL
           AND ((f.due_at >= ${a} AND f.due_at < ${b}) OR (f.sent_at >= ${a} AND f.sent_at < ${b}))
           AND {counted_at} >= ${a} AND {counted_at} < ${b}"
    );
    let row = conn.query_one(&sql, &refs(&values))?;
    Ok((row.get::<i64>(0)?.max(0) as u64, row.get::<i64>(1)?.max(0) as u64))
}

/// A recovery case as a list shows it, linking to the case and its ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCase {
    pub follow_up_id: i64,
    pub ticket_id: i64,
    pub ticket_external_id: String,
    pub ticket_title: Option<String>,
    pub agent_name: Option<String>,
    pub organization: Option<String>,
    pub state: String,
    pub csat: i64,
    pub root_cause: Option<String>,
    pub service_gap: Option<String>,
    pub resolved: Option<bool>,
    pub recovery_score: Option<i64>,
    /// When the case opened (fired).
    pub opened_at: Millis,
    pub closed_at: Option<Millis>,
}

/// Named, so a subquery over them has one column per name.
const CASE_COLUMNS: &str = "f.id AS case_id, f.ticket_id, t.external_id, t.title, a.name AS agent_name,
    o.name AS organization_name, f.state, r.csat, f.root_cause, f.service_gap, f.resolved, f.recovery_score,
    f.fires_at, f.closed_at";

const CASE_JOINS: &str = "follow_ups f
    JOIN responses r ON r.id = f.response_id
    JOIN tickets t ON t.id = f.ticket_id
    LEFT JOIN agents a ON a.id = f.agent_id
    LEFT JOIN organizations o ON o.id = r.organization_id";

fn case_from_row(r: &Row) -> Result<RecoveryCase> {
    Ok(RecoveryCase {
        follow_up_id: r.get(0)?,
        ticket_id: r.get(1)?,
        ticket_external_id: r.get(2)?,
        ticket_title: r.get(3)?,
        agent_name: r.get(4)?,
        organization: r.get(5)?,
        state: r.get(6)?,
        csat: r.get(7)?,
        root_cause: r.get(8)?,
        service_gap: r.get(9)?,
        resolved: r.get::<Option<i64>>(10)?.map(|v| v != 0),
        recovery_score: r.get(11)?,
        opened_at: r.get(12)?,
        closed_at: r.get(13)?,
    })
}

/// Recovery cases whose answer falls in the period and that fired, newest first, at most
/// `limit`.
pub fn recovery_cases(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
    limit: usize,
) -> Result<Vec<RecoveryCase>> {
    let mut values = Vec::new();
    let answered = answers_condition(filter, visibility, from, to, &mut values);
    values.push(Value::Int(limit.min(i64::MAX as usize) as i64));
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM {CASE_JOINS} WHERE {answered} AND {FIRED_RECOVERY}
         ORDER BY f.fires_at DESC, f.id DESC LIMIT ${}",
        values.len()
    );
    conn.query(&sql, &refs(&values))?.iter().map(case_from_row).collect()
}

/// Closed recovery cases of one service gap: how many, how many resolved, their root
/// causes counted (most first) and the newest few cases as examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapCount {
    pub service_gap: String,
    pub cases: u64,
    pub resolved: u64,
    pub root_causes: Vec<(String, u64)>,
    /// The newest closed cases of this gap, at most [`GAP_EXAMPLES`].
    pub examples: Vec<RecoveryCase>,
}

/// Example cases per service gap.
pub const GAP_EXAMPLES: i64 = 3;

/// Recovery cases closed (done) in `from` ≤ closed < `to`, grouped by service gap, most
/// cases first (then by name).
pub fn service_gaps(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> Result<Vec<GapCount>> {
    let mut values = Vec::new();
    let scope = scope_condition(filter, visibility, &mut values);
    values.extend([Value::Int(from), Value::Int(to)]);
    let closed = format!(
        "{scope} AND f.kind = 'recovery' AND f.state = 'done' AND f.service_gap IS NOT NULL
         AND f.closed_at >= ${} AND f.closed_at < ${}",
        values.len() - 1,
        values.len()
    );
    let sql = format!(
        "SELECT f.service_gap, COALESCE(f.root_cause, ''), COUNT(*),
                CAST(COALESCE(SUM(CASE WHEN f.resolved = 1 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE {closed}
         GROUP BY f.service_gap, COALESCE(f.root_cause, '')"
    );
    let mut gaps: BTreeMap<String, GapCount> = BTreeMap::new();
    for row in conn.query(&sql, &refs(&values))? {
        let (gap, cause, cases, resolved): (String, String, i64, i64) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        let entry = gaps.entry(gap.clone()).or_insert_with(|| GapCount {
            service_gap: gap,
            cases: 0,
            resolved: 0,
            root_causes: Vec::new(),
            examples: Vec::new(),
        });
        entry.cases += cases.max(0) as u64;
        entry.resolved += resolved.max(0) as u64;
        if !cause.trim().is_empty() {
            entry.root_causes.push((cause, cases.max(0) as u64));
        }
    }
    values.push(Value::Int(GAP_EXAMPLES));
    let sql = format!(
        "SELECT * FROM (
             SELECT {CASE_COLUMNS},
                    ROW_NUMBER() OVER (PARTITION BY f.service_gap ORDER BY f.closed_at DESC, f.id DESC) AS nth
             FROM {CASE_JOINS} WHERE {closed}) x
         WHERE x.nth <= ${} ORDER BY x.closed_at DESC, x.case_id DESC",
        values.len()
    );
    for row in conn.query(&sql, &refs(&values))? {
        let case = case_from_row(&row)?;
        if let Some(gap) = case.service_gap.as_ref().and_then(|g| gaps.get_mut(g)) {
            gap.examples.push(case);
        }
    }
    let mut gaps: Vec<GapCount> = gaps.into_values().collect();
    for gap in &mut gaps {
        gap.root_causes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    gaps.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.service_gap.cmp(&b.service_gap)));
    Ok(gaps)
}
