//! Changes to the rollups: each answer adds its counts (or moves them, when it changes),
//! gathered in memory and written once per rollup row. A group commit gathers a whole
//! batch of answers, so a thousand answers of one team on one day cost one write of the
//! cube row and one of each slice, not a thousand of each.

use super::Totals;
use crate::db::{Conn, ToValue};
use crate::params;
use crate::Result;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One answer's part in the rollups: its attribution (fixed when the survey was sent) and
/// what it says. `None` when it does not count (automated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub day: i64,
    pub team_id: i64,
    pub agent_id: i64,
    pub category: String,
    pub organization_id: i64,
    pub channel: String,
    pub csat: i64,
    pub nps: Option<i64>,
    pub effort: Option<i64>,
    pub has_comment: bool,
}

/// The answer `response_id` as the rollups count it now (or `None`).
pub fn counted(conn: &mut dyn Conn, response_id: i64) -> Result<Option<Counted>> {
    let row = conn.query_opt(
        "SELECT first_answered_at / 86400000, COALESCE(team_id, 0), COALESCE(agent_id, 0), COALESCE(category, ''),
                COALESCE(organization_id, 0), channel, csat, nps, effort, comment, automated
         FROM responses WHERE id = $1",
        params![response_id],
    )?;
    let Some(r) = row else { return Ok(None) };
    if r.get::<i64>(10)? != 0 {
        return Ok(None);
    }
    Ok(Some(Counted {
        day: r.get(0)?,
        team_id: r.get(1)?,
        agent_id: r.get(2)?,
        category: r.get(3)?,
        organization_id: r.get(4)?,
        channel: r.get(5)?,
        csat: r.get(6)?,
        nps: r.get(7)?,
        effort: r.get(8)?,
        has_comment: r.get::<Option<String>>(9)?.is_some(),
    }))
}

/// A row of `answer_rollups`. Ordered, so every writer updates rows in the same order
/// (two PostgreSQL instances writing batches in different orders could deadlock).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct CubeKey {
    day: i64,
    team_id: i64,
    agent_id: i64,
    category: String,
    organization_id: i64,
    channel: String,
}

/// Rollup changes not yet written.
#[derive(Debug, Default)]
pub struct RollupDeltas {
    cube: BTreeMap<CubeKey, Totals>,
}

impl RollupDeltas {
    /// Adds (`sign` = 1) or removes (−1) one answer's counts.
    pub fn add(&mut self, c: &Counted, sign: i64) {
        let key = CubeKey {
            day: c.day,
            team_id: c.team_id,
            agent_id: c.agent_id,
            category: c.category.clone(),
            organization_id: c.organization_id,
            channel: c.channel.clone(),
        };
        let totals = self.cube.entry(key).or_default();
        totals.responses += sign;
        if let Some(count) = usize::try_from(c.csat - 1).ok().and_then(|i| totals.csat.get_mut(i)) {
            *count += sign;
        }
        if let Some(count) = c.nps.and_then(|n| usize::try_from(n).ok()).and_then(|i| totals.nps.get_mut(i)) {
            *count += sign;
        }
        if let Some(effort) = c.effort {
            totals.effort_n += sign;
            totals.effort_sum += sign * effort;
            totals.effort_squares += sign * effort * effort;
        }
        if c.has_comment {
            totals.comments += sign;
        }
    }

    /// Moves an answer's counts from how it was counted before a change to how it is now.
    pub fn change(&mut self, before: Option<&Counted>, after: Option<&Counted>) {
        if before == after {
            return;
        }
        if let Some(before) = before {
            self.add(before, -1);
        }
        if let Some(after) = after {
            self.add(after, 1);
        }
    }

    /// Takes in another set of changes (a request's, once its savepoint is released).
    pub fn absorb(&mut self, other: RollupDeltas) {
        for (key, totals) in other.cube {
            self.cube.entry(key).or_default().add(&totals);
        }
    }

    /// Writes every changed cube row, then every changed slice row (each the sum of the
    /// cube changes it covers).
    pub fn write(self, conn: &mut dyn Conn) -> Result<()> {
        let unchanged = Totals::default();
        let mut slices: BTreeMap<(&'static str, String, i64), Totals> = BTreeMap::new();
        for (key, totals) in self.cube.iter().filter(|(_, totals)| **totals != unchanged) {
            let counts = counters(totals);
            let mut values: Vec<&dyn ToValue> =
                vec![&key.day, &key.team_id, &key.agent_id, &key.category, &key.organization_id, &key.channel];
            values.extend(counts.iter().map(|c| c as &dyn ToValue));
            conn.execute(&ADD_TO_CUBE, &values)?;
            let keys = [
                ("all", String::new()),
                ("team", key.team_id.to_string()),
                ("agent", key.agent_id.to_string()),
                ("category", key.category.clone()),
                ("organization", key.organization_id.to_string()),
                ("channel", key.channel.clone()),
            ];
            for (dimension, slice_key) in keys {
                slices.entry((dimension, slice_key, key.day)).or_default().add(totals);
            }
        }
        for ((dimension, key, day), totals) in slices.iter().filter(|(_, totals)| **totals != unchanged) {
            let counts = counters(totals);
            let mut values: Vec<&dyn ToValue> = vec![day, dimension, key];
            values.extend(counts.iter().map(|c| c as &dyn ToValue));
            conn.execute(&ADD_TO_SLICE, &values)?;
        }
        Ok(())
    }
}

/// Adds (`delta` = 1) or removes (−1) one answer's counts, written at once.
pub fn apply(conn: &mut dyn Conn, c: &Counted, delta: i64) -> Result<()> {
    let mut deltas = RollupDeltas::default();
    deltas.add(c, delta);
    deltas.write(conn)
}

/// The counters both rollup tables keep, in [`counters`]' order.
const COUNTERS: [&str; 21] = [
    "responses",
    "csat1",
    "csat2",
    "csat3",
    "csat4",
    "csat5",
    "nps0",
    "nps1",
    "nps2",
    "nps3",
    "nps4",
    "nps5",
    "nps6",
    "nps7",
    "nps8",
    "nps9",
    "nps10",
    "effort_n",
    "effort_sum",
    "effort_squares",
    "comments",
];

fn counters(t: &Totals) -> [i64; 21] {
    let mut out = [0; 21];
    out[0] = t.responses;
    out[1..6].copy_from_slice(&t.csat);
    out[6..17].copy_from_slice(&t.nps);
    out[17..].copy_from_slice(&[t.effort_n, t.effort_sum, t.effort_squares, t.comments]);
    out
}

/// `INSERT … ON CONFLICT DO UPDATE` adding the counters to a row of `table`; its
/// parameters are the key columns (`true`: a number), then the counters. Built once from
/// the column names above, never from values.
fn upsert_sql(table: &str, keys: &[(&str, bool)]) -> String {
    let key_names: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=keys.len() + COUNTERS.len())
        .map(|n| match keys.get(n - 1) {
            Some((_, false)) => format!("CAST(${n} AS TEXT)"),
            _ => format!("CAST(${n} AS BIGINT)"),
        })
        .collect();
    let sums: Vec<String> = COUNTERS.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
    format!(
        "INSERT INTO {table} ({}, {}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        key_names.join(", "),
        COUNTERS.join(", "),
        placeholders.join(", "),
        key_names.join(", "),
        sums.join(", ")
    )
}

static ADD_TO_CUBE: LazyLock<String> = LazyLock::new(|| {
    upsert_sql(
        "answer_rollups",
        &[
            ("day", true),
            ("team_id", true),
            ("agent_id", true),
            ("category", false),
            ("organization_id", true),
            ("channel", false),
        ],
    )
});

static ADD_TO_SLICE: LazyLock<String> =
    LazyLock::new(|| upsert_sql("rollup_slices", &[("day", true), ("dimension", false), ("key", false)]));

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(csat: i64, nps: Option<i64>, effort: Option<i64>) -> Counted {
        Counted {
            day: 20_000,
            team_id: 1,
            agent_id: 2,
            category: "Hardware".into(),
            organization_id: 0,
            channel: "email".into(),
            csat,
            nps,
            effort,
            has_comment: true,
        }
    }

    #[test]
    fn a_change_moves_the_count_and_a_batch_sums_per_row() {
        let mut batch = RollupDeltas::default();
        let mut first = RollupDeltas::default();
        first.add(&answer(5, Some(10), Some(2)), 1);
        let mut second = RollupDeltas::default();
        second.add(&answer(1, None, None), 1);
        second.change(Some(&answer(1, None, None)), Some(&answer(2, Some(3), Some(7))));
        batch.absorb(first);
        batch.absorb(second);
        assert_eq!(batch.cube.len(), 1);
        let totals = batch.cube.values().next().expect("one row");
        assert_eq!(totals.responses, 2);
        assert_eq!(totals.csat, [0, 1, 0, 0, 1]);
        assert_eq!((totals.nps[3], totals.nps[10]), (1, 1));
        assert_eq!((totals.effort_n, totals.effort_sum, totals.effort_squares), (2, 9, 53));
        assert_eq!(totals.comments, 2);
    }

    #[test]
    fn out_of_range_scores_change_only_the_response_count() {
        let mut deltas = RollupDeltas::default();
        deltas.add(&answer(0, Some(11), None), 1);
        let totals = deltas.cube.values().next().expect("one row");
        assert_eq!((totals.responses, totals.csat, totals.nps), (1, [0; 5], [0; 11]));
    }

    #[test]
    fn the_statements_name_every_counter_once() {
        assert_eq!(ADD_TO_CUBE.matches("excluded.").count(), COUNTERS.len());
        assert!(ADD_TO_SLICE.contains("CAST($24 AS BIGINT)") && !ADD_TO_SLICE.contains("$25"));
        assert!(ADD_TO_SLICE.contains("ON CONFLICT (day, dimension, key)"));
    }
}
