//! Rollups: answer counts per day × team × agent × category × organization × channel,
//! changed in the transaction that saves an answer (a changed answer moves its count from
//! the old score to the new one; an answer flagged as automated leaves them), so dashboards
//! read rollup rows instead of scanning answers. `rebuild` recomputes them from the answers.

mod deltas;

pub use deltas::{apply, counted, Counted, RollupDeltas};

use crate::db::{Conn, Row, Value};
use crate::params;
use crate::visibility::Visibility;
use crate::{Result, Store};
use rapport_domain::time::Millis;

const REBUILD: &str = "INSERT INTO answer_rollups (day, team_id, agent_id, category, organization_id, channel, responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments)
     SELECT first_answered_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
             COALESCE(organization_id, 0), channel,
             COUNT(*),
             SUM(CASE WHEN csat = 1 THEN 1 ELSE 0 END),
             SUM(CASE WHEN csat = 2 THEN 1 ELSE 0 END),
             SUM(CASE WHEN csat = 3 THEN 1 ELSE 0 END),
             SUM(CASE WHEN csat = 4 THEN 1 ELSE 0 END),
             SUM(CASE WHEN csat = 5 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 0 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 1 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 2 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 3 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 4 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 5 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 6 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 7 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 8 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 9 THEN 1 ELSE 0 END),
             SUM(CASE WHEN nps = 10 THEN 1 ELSE 0 END),
             SUM(CASE WHEN effort IS NULL THEN 0 ELSE 1 END),
             COALESCE(SUM(effort), 0),
             COALESCE(SUM(effort * effort), 0),
             SUM(CASE WHEN comment IS NULL THEN 0 ELSE 1 END)
     FROM responses WHERE automated = 0
     GROUP BY first_answered_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
              COALESCE(organization_id, 0), channel";

const INVITED: &str = "INSERT INTO answer_rollups (day, team_id, agent_id, category, organization_id, channel, invited, responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments)
     SELECT sent_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
            COALESCE(organization_id, 0), channel, CAST($2 AS BIGINT), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
     FROM invitations WHERE id = $1 AND sent_at IS NOT NULL
     ON CONFLICT (day, team_id, agent_id, category, organization_id, channel) DO UPDATE SET
         invited = answer_rollups.invited + excluded.invited";

/// Counts a survey as sent, on its sending day, with the attribution it was sent with
/// (call after the invitation's `sent_at` and attribution are written).
pub fn invited(conn: &mut dyn Conn, invitation_id: i64) -> Result<()> {
    conn.execute(INVITED, params![invitation_id, 1i64])?;
    conn.execute(INVITED_SLICES, params![invitation_id, 1i64]).map(drop)
}

const INVITED_SLICES: &str = "INSERT INTO rollup_slices (day, dimension, key, invited, responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments)
     SELECT i.sent_at / 86400000, d.dimension,
         CASE d.dimension WHEN 'all' THEN '' WHEN 'team' THEN CAST(COALESCE(i.team_id, 0) AS TEXT) WHEN 'agent' THEN CAST(COALESCE(i.agent_id, 0) AS TEXT) WHEN 'category' THEN COALESCE(i.category, '') WHEN 'organization' THEN CAST(COALESCE(i.organization_id, 0) AS TEXT) ELSE i.channel END,
         CAST($2 AS BIGINT), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
     FROM invitations i, (SELECT 'all' AS dimension UNION ALL SELECT 'team' UNION ALL SELECT 'agent' UNION ALL SELECT 'category' UNION ALL SELECT 'organization' UNION ALL SELECT 'channel') d WHERE i.id = $1 AND i.sent_at IS NOT NULL
     ON CONFLICT (dimension, key, day) DO UPDATE SET invited = rollup_slices.invited + excluded.invited";

const REBUILD_SLICES: &str = "INSERT INTO rollup_slices (day, dimension, key, invited, responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments)
     SELECT r.day, d.dimension, CASE d.dimension WHEN 'all' THEN '' WHEN 'team' THEN CAST(r.team_id AS TEXT) WHEN 'agent' THEN CAST(r.agent_id AS TEXT) WHEN 'category' THEN r.category WHEN 'organization' THEN CAST(r.organization_id AS TEXT) ELSE r.channel END,
         SUM(r.invited), SUM(r.responses), SUM(r.csat1), SUM(r.csat2), SUM(r.csat3), SUM(r.csat4), SUM(r.csat5), SUM(r.nps0), SUM(r.nps1), SUM(r.nps2), SUM(r.nps3), SUM(r.nps4), SUM(r.nps5), SUM(r.nps6), SUM(r.nps7), SUM(r.nps8), SUM(r.nps9), SUM(r.nps10), SUM(r.effort_n), SUM(r.effort_sum), SUM(r.effort_squares), SUM(r.comments)
     FROM answer_rollups r, (SELECT 'all' AS dimension UNION ALL SELECT 'team' UNION ALL SELECT 'agent' UNION ALL SELECT 'category' UNION ALL SELECT 'organization' UNION ALL SELECT 'channel') d
     GROUP BY r.day, d.dimension, CASE d.dimension WHEN 'all' THEN '' WHEN 'team' THEN CAST(r.team_id AS TEXT) WHEN 'agent' THEN CAST(r.agent_id AS TEXT) WHEN 'category' THEN r.category WHEN 'organization' THEN CAST(r.organization_id AS TEXT) ELSE r.channel END";

const REBUILD_INVITED: &str = "INSERT INTO answer_rollups (day, team_id, agent_id, category, organization_id, channel, invited, responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments)
     SELECT sent_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
            COALESCE(organization_id, 0), channel, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
     FROM invitations WHERE sent_at IS NOT NULL
     GROUP BY sent_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
              COALESCE(organization_id, 0), channel
     ON CONFLICT (day, team_id, agent_id, category, organization_id, channel) DO UPDATE SET
         invited = excluded.invited";

/// Recomputes every rollup from the answers and sent surveys, in one transaction; answers
/// the number of rollup rows.
pub fn rebuild(conn: &mut dyn Conn) -> Result<u64> {
    conn.execute("DELETE FROM answer_rollups", params![])?;
    conn.execute("DELETE FROM rollup_slices", params![])?;
    conn.execute(REBUILD, params![])?;
    conn.execute(REBUILD_INVITED, params![])?;
    conn.execute(REBUILD_SLICES, params![])?;
    Ok(conn.value::<i64>("SELECT COUNT(*) FROM answer_rollups", params![])? as u64)
}

/// Totals over a period (days since the epoch, UTC, `from` ≤ day < `to`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub invited: i64,
    pub responses: i64,
    pub csat: [i64; 5],
    pub nps: [i64; 11],
    pub effort_n: i64,
    pub effort_sum: i64,
    pub effort_squares: i64,
    pub comments: i64,
}

impl Totals {
    /// Adds another period's or slice's counts to these.
    pub fn add(&mut self, other: &Totals) {
        self.invited += other.invited;
        self.responses += other.responses;
        for (into, from) in self.csat.iter_mut().zip(other.csat) {
            *into += from;
        }
        for (into, from) in self.nps.iter_mut().zip(other.nps) {
            *into += from;
        }
        self.effort_n += other.effort_n;
        self.effort_sum += other.effort_sum;
        self.effort_squares += other.effort_squares;
        self.comments += other.comments;
    }
}

fn totals_from_row(r: &Row) -> Result<Totals> {
    let get = |i: usize| -> Result<i64> { Ok(r.get::<Option<i64>>(i)?.unwrap_or(0)) };
    let mut t = Totals { responses: get(0)?, invited: get(21)?, ..Totals::default() };
    for i in 0..5 {
        t.csat[i] = get(1 + i)?;
    }
    for i in 0..11 {
        t.nps[i] = get(6 + i)?;
    }
    (t.effort_n, t.effort_sum, t.effort_squares, t.comments) = (get(17)?, get(18)?, get(19)?, get(20)?);
    Ok(t)
}

/// Every rollup row, in key order: what the property tests compare.
pub fn all_rows(conn: &mut dyn Conn) -> Result<Vec<(String, Totals)>> {
    conn.query(
        "SELECT responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments, invited, day, team_id, agent_id, category, organization_id, channel
         FROM answer_rollups WHERE responses <> 0 OR invited <> 0
         ORDER BY day, team_id, agent_id, category, organization_id, channel",
        params![],
    )?
    .iter()
    .map(|r| {
        let key = format!(
            "{}/{}/{}/{}/{}/{}",
            r.get::<i64>(22)?,
            r.get::<i64>(23)?,
            r.get::<i64>(24)?,
            r.get::<String>(25)?,
            r.get::<i64>(26)?,
            r.get::<String>(27)?
        );
        Ok((key, totals_from_row(r)?))
    })
    .collect()
}

/// Every slice row, in key order: what the property tests compare.
pub fn all_slices(conn: &mut dyn Conn) -> Result<Vec<(String, Totals)>> {
    conn.query(
        "SELECT responses, csat1, csat2, csat3, csat4, csat5, nps0, nps1, nps2, nps3, nps4, nps5, nps6, nps7, nps8, nps9, nps10, effort_n, effort_sum, effort_squares, comments, invited, dimension, key, day FROM rollup_slices
         WHERE responses <> 0 OR invited <> 0 ORDER BY dimension, key, day",
        params![],
    )?
    .iter()
    .map(|r| {
        let key = format!("{}/{}/{}", r.get::<String>(22)?, r.get::<String>(23)?, r.get::<i64>(24)?);
        Ok((key, totals_from_row(r)?))
    })
    .collect()
}

/// Totals for a period, read from the rollups (a number of rows set by the period).
pub fn totals(conn: &mut dyn Conn, from: Millis, to: Millis) -> Result<Totals> {
    let row = conn.query_one(
        "SELECT CAST(COALESCE(SUM(responses), 0) AS BIGINT), CAST(COALESCE(SUM(csat1), 0) AS BIGINT), CAST(COALESCE(SUM(csat2), 0) AS BIGINT), CAST(COALESCE(SUM(csat3), 0) AS BIGINT), CAST(COALESCE(SUM(csat4), 0) AS BIGINT), CAST(COALESCE(SUM(csat5), 0) AS BIGINT), CAST(COALESCE(SUM(nps0), 0) AS BIGINT), CAST(COALESCE(SUM(nps1), 0) AS BIGINT), CAST(COALESCE(SUM(nps2), 0) AS BIGINT), CAST(COALESCE(SUM(nps3), 0) AS BIGINT), CAST(COALESCE(SUM(nps4), 0) AS BIGINT), CAST(COALESCE(SUM(nps5), 0) AS BIGINT), CAST(COALESCE(SUM(nps6), 0) AS BIGINT), CAST(COALESCE(SUM(nps7), 0) AS BIGINT), CAST(COALESCE(SUM(nps8), 0) AS BIGINT), CAST(COALESCE(SUM(nps9), 0) AS BIGINT), CAST(COALESCE(SUM(nps10), 0) AS BIGINT), CAST(COALESCE(SUM(effort_n), 0) AS BIGINT), CAST(COALESCE(SUM(effort_sum), 0) AS BIGINT), CAST(COALESCE(SUM(effort_squares), 0) AS BIGINT), CAST(COALESCE(SUM(comments), 0) AS BIGINT), CAST(COALESCE(SUM(invited), 0) AS BIGINT) FROM rollup_slices WHERE dimension = 'all' AND key = '' AND day >= $1 AND day < $2",
        params![from.div_euclid(86_400_000), to.div_euclid(86_400_000)],
    )?;
    totals_from_row(&row)
}

/// What a dashboard narrows to; `None` is "all". Visibility narrows further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub team_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub category: Option<String>,
    pub organization_id: Option<i64>,
    pub channel: Option<String>,
}

const SUMS: &str = "CAST(COALESCE(SUM(responses), 0) AS BIGINT), CAST(COALESCE(SUM(csat1), 0) AS BIGINT), CAST(COALESCE(SUM(csat2), 0) AS BIGINT), CAST(COALESCE(SUM(csat3), 0) AS BIGINT), CAST(COALESCE(SUM(csat4), 0) AS BIGINT), CAST(COALESCE(SUM(csat5), 0) AS BIGINT), CAST(COALESCE(SUM(nps0), 0) AS BIGINT), CAST(COALESCE(SUM(nps1), 0) AS BIGINT), CAST(COALESCE(SUM(nps2), 0) AS BIGINT), CAST(COALESCE(SUM(nps3), 0) AS BIGINT), CAST(COALESCE(SUM(nps4), 0) AS BIGINT), CAST(COALESCE(SUM(nps5), 0) AS BIGINT), CAST(COALESCE(SUM(nps6), 0) AS BIGINT), CAST(COALESCE(SUM(nps7), 0) AS BIGINT), CAST(COALESCE(SUM(nps8), 0) AS BIGINT), CAST(COALESCE(SUM(nps9), 0) AS BIGINT), CAST(COALESCE(SUM(nps10), 0) AS BIGINT), CAST(COALESCE(SUM(effort_n), 0) AS BIGINT), CAST(COALESCE(SUM(effort_sum), 0) AS BIGINT), CAST(COALESCE(SUM(effort_squares), 0) AS BIGINT), CAST(COALESCE(SUM(comments), 0) AS BIGINT), CAST(COALESCE(SUM(invited), 0) AS BIGINT)";

/// `WHERE` for a period (days since the epoch, UTC, `from` ≤ day < `to`), a filter and
/// what the viewer may see; its values appended to `values`.
fn condition(filter: &Filter, visibility: &Visibility, from: i64, to: i64, values: &mut Vec<Value>) -> String {
    values.extend([
        Value::Int(from),
        Value::Int(to),
        filter.team_id.map(Value::Int).unwrap_or(Value::Null),
        filter.agent_id.map(Value::Int).unwrap_or(Value::Null),
        filter.category.clone().map(Value::Text).unwrap_or(Value::Null),
        filter.organization_id.map(Value::Int).unwrap_or(Value::Null),
        filter.channel.clone().map(Value::Text).unwrap_or(Value::Null),
    ]);
    let base = values.len() - 7;
    let n = |k: usize| base + k;
    let visible = visibility.condition("agent_id", "team_id", values);
    format!(
        "day >= ${} AND day < ${}
         AND (CAST(${} AS BIGINT) IS NULL OR team_id = ${}) AND (CAST(${} AS BIGINT) IS NULL OR agent_id = ${})
         AND (CAST(${} AS TEXT) IS NULL OR category = ${}) AND (CAST(${} AS BIGINT) IS NULL OR organization_id = ${})
         AND (CAST(${} AS TEXT) IS NULL OR channel = ${}) AND {visible}",
        n(1),
        n(2),
        n(3),
        n(3),
        n(4),
        n(4),
        n(5),
        n(5),
        n(6),
        n(6),
        n(7),
        n(7)
    )
}

/// The slice that answers a read alone, when one does: a viewer who sees everything, and
/// at most one filter. Other reads use the full rollups (still no answers scanned).
fn slice_for(filter: &Filter, visibility: &Visibility) -> Option<(&'static str, String)> {
    if !visibility.everything {
        return None;
    }
    let set: Vec<(&'static str, String)> = [
        filter.team_id.map(|v| ("team", v.to_string())),
        filter.agent_id.map(|v| ("agent", v.to_string())),
        filter.category.clone().map(|v| ("category", v)),
        filter.organization_id.map(|v| ("organization", v.to_string())),
        filter.channel.clone().map(|v| ("channel", v)),
    ]
    .into_iter()
    .flatten()
    .collect();
    match set.as_slice() {
        [] => Some(("all", String::new())),
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Totals per day over a period: a dashboard's trend (the caller buckets days into weeks or
/// months). Never reads the answers; with at most one filter, one slice row per day.
pub fn per_day(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, Totals)>> {
    let rows = match slice_for(filter, visibility) {
        Some((dimension, key)) => {
            let sql = format!(
                "SELECT {SUMS}, day FROM rollup_slices WHERE dimension = $1 AND key = $2 AND day >= $3 AND day < $4
                 GROUP BY day ORDER BY day"
            );
            conn.query(&sql, params![dimension, key, from, to])?
        }
        None => {
            let mut values = Vec::new();
            let condition = condition(filter, visibility, from, to, &mut values);
            let sql = format!("SELECT {SUMS}, day FROM answer_rollups WHERE {condition} GROUP BY day ORDER BY day");
            conn.query(&sql, &crate::staff_views::refs(&values))?
        }
    };
    rows.iter().map(|r| Ok((r.get(22)?, totals_from_row(r)?))).collect()
}

/// The dimensions a dashboard table breaks totals down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Team,
    Agent,
    Category,
    Organization,
    Channel,
}

impl Dimension {
    fn slice(self) -> &'static str {
        match self {
            Dimension::Team => "team",
            Dimension::Agent => "agent",
            Dimension::Category => "category",
            Dimension::Organization => "organization",
            Dimension::Channel => "channel",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Dimension::Team => "CAST(team_id AS TEXT)",
            Dimension::Agent => "CAST(agent_id AS TEXT)",
            Dimension::Category => "category",
            Dimension::Organization => "CAST(organization_id AS TEXT)",
            Dimension::Channel => "channel",
        }
    }
}

/// Totals per team / agent / category / organization / channel over a period; the key is
/// the id as text ("0" = none) or the category or channel ("" = none).
pub fn per_dimension(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: i64,
    to: i64,
    dimension: Dimension,
) -> Result<Vec<(String, Totals)>> {
    if visibility.everything && *filter == Filter::default() {
        let sql = format!(
            "SELECT {SUMS}, key FROM rollup_slices WHERE dimension = $1 AND day >= $2 AND day < $3 GROUP BY key ORDER BY key"
        );
        let rows = conn.query(&sql, params![dimension.slice(), from, to])?;
        return rows.iter().map(|r| Ok((r.get(22)?, totals_from_row(r)?))).collect();
    }
    let mut values = Vec::new();
    let condition = condition(filter, visibility, from, to, &mut values);
    let key = dimension.column();
    let sql = format!("SELECT {SUMS}, {key} FROM answer_rollups WHERE {condition} GROUP BY {key} ORDER BY {key}");
    conn.query(&sql, &crate::staff_views::refs(&values))?
        .iter()
        .map(|r| Ok((r.get(22)?, totals_from_row(r)?)))
        .collect()
}

impl Store {
    /// `rapport rollups rebuild`: answers the number of rollup rows written.
    pub async fn rebuild_rollups(&self) -> Result<u64> {
        self.write(rebuild).await
    }
}
