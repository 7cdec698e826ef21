//! The reasons customers chose ("took too long", "friendly"), counted by how happy the
//! answer was.

use super::answers_condition;
use crate::db::Conn;
use crate::rollups::Filter;
use crate::staff_views::refs;
use crate::visibility::Visibility;
use crate::Result;
use rapport_domain::time::Millis;
use std::collections::{BTreeMap, BTreeSet};

/// How many answers chose a reason: happy (4–5), neutral (3) and unhappy (1–2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    /// The reason's code as stored (`reason.too_slow`, or a desk's own text).
    pub reason: String,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

/// Reasons chosen on the answers of a period, most often chosen by unhappy customers first
/// (then neutral, then happy, then by code).
///
/// Reasons are a JSON array in a text column, which SQLite and PostgreSQL take apart with
/// different functions; instead the database groups equal arrays (one row per distinct
/// combination of reasons and happiness, bounded by the period's answers and in practice a
/// few dozen), and each array is read here once.
pub fn reason_counts(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> Result<Vec<ReasonCount>> {
    let mut values = Vec::new();
    let answered = answers_condition(filter, visibility, from, to, &mut values);
    let mood = "CASE WHEN r.csat >= 4 THEN 2 WHEN r.csat = 3 THEN 1 ELSE 0 END";
    let sql = format!(
        "SELECT r.reasons, {mood}, COUNT(*) FROM responses r WHERE {answered} AND r.reasons <> '[]'
         GROUP BY r.reasons, {mood}"
    );
    let mut counts: BTreeMap<String, ReasonCount> = BTreeMap::new();
    for row in conn.query(&sql, &refs(&values))? {
        let (reasons, mood, answers): (String, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
        // An unreadable array counts for nothing rather than failing the page.
        let chosen: BTreeSet<String> =
            serde_json::from_str::<Vec<String>>(&reasons).unwrap_or_default().into_iter().collect();
        for reason in chosen {
            let entry =
                counts.entry(reason.clone()).or_insert(ReasonCount { reason, positive: 0, neutral: 0, negative: 0 });
            let answers = answers.max(0) as u64;
            match mood {
                2 => entry.positive += answers,
                1 => entry.neutral += answers,
                _ => entry.negative += answers,
            }
        }
    }
    let mut counts: Vec<ReasonCount> = counts.into_values().collect();
    counts.sort_by(|a, b| {
        (b.negative, b.neutral, b.positive)
            .cmp(&(a.negative, a.neutral, a.positive))
            .then_with(|| a.reason.cmp(&b.reason))
    });
    Ok(counts)
}
