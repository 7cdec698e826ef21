//! Improvement priorities: what to fix next. Categories ranked by the satisfied answers
//! they lose against the desk (volume × how far below the desk), with their interval, a
//! test against the rest of the desk and unhappy comments as examples; the service gaps of
//! closed recovery cases with their root causes counted; the reasons unhappy customers
//! chose. Answer counts come from the rollups; only examples are read row by row.

use super::access::visibility;
use super::insight_common::{counts, interval, percent, some, DAY};
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use crate::i18n::Catalog;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use rapport_domain::stats::{compare_proportions, csat, is_small_sample, sample_size_words, wilson, Proportion};
use rapport_store::insight::{comments, reason_counts, service_gaps, CommentQuery, GapCount, Quote, ReasonCount};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::staff_views::{Named, NamedKind};
use serde::Deserialize;

/// Categories shown; the rest are counted in a sentence.
const MAX_CATEGORIES: usize = 10;
/// Unhappy comments shown per category.
const EXAMPLES: usize = 3;
/// The smallest loss shown (one decimal); below it a category is at the desk's rate, and
/// rounding noise (2/3 × 3 − 2) is not a priority.
const SHOWN_LOSS: f64 = 0.05;

pub fn router() -> Router<AppState> {
    Router::new().route("/insight/priorities", get(show))
}

#[derive(Deserialize, Default, Clone)]
pub struct PrioritiesQuery {
    period: Option<String>,
    team: Option<String>,
    organization: Option<String>,
    channel: Option<String>,
}

/// An unhappy comment, linking to its ticket.
pub struct Example {
    pub ticket_id: i64,
    pub ticket: String,
    pub csat: i64,
    pub comment: String,
}

pub struct CategoryRow {
    pub name: String,
    pub link: String,
    pub n: u64,
    pub few: bool,
    pub csat: String,
    /// "2.0", or empty when the category is at or above the desk.
    pub lost: String,
    pub comparison: String,
    pub examples: Vec<Example>,
}

pub struct CaseLink {
    pub id: i64,
    pub ticket: String,
    pub resolved: &'static str,
}

pub struct GapRow {
    pub name: String,
    pub cases: u64,
    pub resolved: String,
    pub root_causes: Vec<(String, u64)>,
    pub examples: Vec<CaseLink>,
}

pub struct ReasonRow {
    pub label: String,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
}

#[derive(Template)]
#[template(path = "staff/priorities.html")]
struct PrioritiesPage {
    frame: Frame,
    q: PrioritiesQuery,
    period: &'static str,
    method: String,
    small: Option<String>,
    categories: Vec<CategoryRow>,
    more_categories: usize,
    gaps: Vec<GapRow>,
    reasons: Vec<ReasonRow>,
    teams: Vec<Named>,
    organizations: Vec<Named>,
}

/// A category's answers and how many more 4–5 answers it would have had at the desk's rate.
struct Ranked {
    key: String,
    share: Proportion,
    lost: f64,
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PrioritiesQuery>,
) -> Result<Response, ApiError> {
    let by_year = q.period.as_deref() == Some("year");
    let to = state.clock.now().div_euclid(DAY) + 1;
    let from = to - if by_year { 365 } else { 84 };
    let filter = Filter {
        team_id: some(&q.team).and_then(|s| s.parse().ok()),
        organization_id: some(&q.organization).and_then(|s| s.parse().ok()),
        channel: some(&q.channel),
        ..Filter::default()
    };
    let vis = visibility(&staff.user);
    let (read_filter, read_vis) = (filter, vis.clone());
    let (desk, ranked, examples, gaps, reasons) = state
        .store
        .read(move |conn| {
            let (f, v) = (&read_filter, &read_vis);
            let per_category = rollups::per_dimension(conn, f, v, from, to, Dimension::Category)?;
            let (desk, ranked) = rank(per_category);
            let mut examples = Vec::new();
            for category in ranked.iter().take(MAX_CATEGORIES).filter(|c| c.lost >= SHOWN_LOSS) {
                let narrowed = Filter { category: Some(category.key.clone()), ..f.clone() };
                let query = CommentQuery { min_csat: 1, max_csat: 2, limit: EXAMPLES };
                examples.push(comments(conn, &narrowed, v, from * DAY, to * DAY, query)?);
            }
            let gaps = service_gaps(conn, f, v, from * DAY, to * DAY)?;
            let reasons = reason_counts(conn, f, v, from * DAY, to * DAY)?;
            Ok((desk, ranked, examples, gaps, reasons))
        })
        .await?;
    let teams = state.store.named_for(vis.clone(), NamedKind::Teams).await?;
    let organizations = state.store.named_for(vis, NamedKind::Organizations).await?;

    let since = NaiveDate::from_num_days_from_ce_opt(719_163 + from as i32).unwrap_or_default().to_string();
    let more_categories = ranked.len().saturating_sub(MAX_CATEGORIES);
    let small = small_sample_note(&desk, &ranked);
    let mut examples = examples.into_iter();
    let categories = ranked
        .into_iter()
        .take(MAX_CATEGORIES)
        .map(|c| {
            let quotes = if c.lost >= SHOWN_LOSS { examples.next().unwrap_or_default() } else { Vec::new() };
            category_row(c, &desk, &since, quotes)
        })
        .collect();
    Ok(page(PrioritiesPage {
        frame: Frame::new(&staff, "Improvement priorities", "dashboard").with_counts(&state, &staff).await?,
        period: if by_year { "year" } else { "quarter" },
        q,
        method: method_sentence(&desk),
        small,
        categories,
        more_categories,
        gaps: gaps.into_iter().map(gap_row).collect(),
        reasons: reasons.into_iter().filter(|r| r.negative > 0).map(reason_row).collect(),
        teams,
        organizations,
    }))
}

/// The desk's totals and its categories, most satisfied answers lost first.
fn rank(per_category: Vec<(String, Totals)>) -> (Proportion, Vec<Ranked>) {
    let (mut successes, mut n) = (0, 0);
    let mut ranked: Vec<Ranked> = per_category
        .into_iter()
        .filter(|(_, t)| t.responses > 0)
        .map(|(key, totals)| {
            let share = csat(&counts(&totals.csat));
            (successes, n) = (successes + share.successes, n + share.n);
            Ranked { key, share, lost: 0.0 }
        })
        .collect();
    let desk = wilson(successes, n);
    let rate = desk.value.unwrap_or(0.0);
    for c in &mut ranked {
        c.lost = rate * c.share.n as f64 - c.share.successes as f64;
    }
    ranked.sort_by(|a, b| b.lost.total_cmp(&a.lost).then_with(|| b.share.n.cmp(&a.share.n)).then(a.key.cmp(&b.key)));
    (desk, ranked)
}

fn method_sentence(desk: &Proportion) -> String {
    match desk.value {
        None => "No answers in this period, so there is nothing to rank yet.".into(),
        Some(rate) => format!(
            "Categories are ranked by satisfied answers lost: how many more 4–5 answers a category would have had \
             at the desk's CSAT of {} ({}), that is its answers × (desk CSAT − its CSAT). Volume and distance from \
             the desk both count.",
            percent(Some(rate)),
            sample_size_words(desk.n)
        ),
    }
}

fn small_sample_note(desk: &Proportion, ranked: &[Ranked]) -> Option<String> {
    let few = ranked.iter().take(MAX_CATEGORIES).filter(|c| is_small_sample(c.share.n)).count();
    if desk.n > 0 && is_small_sample(desk.n) {
        Some(format!(
            "Only {} in this period: every interval is wide, so read this ranking as a hint, not a finding.",
            sample_size_words(desk.n)
        ))
    } else if few > 0 {
        Some(format!(
            "{few} of these categories have fewer than 30 answers: their intervals are wide and their place in the \
             ranking may be chance. The comparison column says whether the gap to the desk is more than that."
        ))
    } else {
        None
    }
}

fn category_row(c: Ranked, desk: &Proportion, since: &str, quotes: Vec<Quote>) -> CategoryRow {
    let rest = (desk.successes - c.share.successes, desk.n - c.share.n);
    let value: String = form_urlencoded::byte_serialize(c.key.as_bytes()).collect();
    CategoryRow {
        name: if c.key.is_empty() { "(none)".into() } else { c.key.clone() },
        link: format!("/answers?category={value}&since={since}"),
        n: c.share.n,
        few: is_small_sample(c.share.n),
        csat: format!("{} {}", percent(c.share.value), interval(c.share.low, c.share.high)),
        lost: if c.lost >= SHOWN_LOSS { format!("{:.1}", c.lost) } else { String::new() },
        comparison: comparison(rest, (c.share.successes, c.share.n)),
        examples: quotes
            .into_iter()
            .map(|q| Example { ticket_id: q.ticket_id, ticket: q.ticket_external_id, csat: q.csat, comment: q.comment })
            .collect(),
    }
}

/// The category against the rest of the desk (two-proportion test), in words.
fn comparison(rest: (u64, u64), category: (u64, u64)) -> String {
    if rest.1 == 0 {
        return "The only category with answers: nothing to compare it with.".into();
    }
    let change = compare_proportions(rest, category);
    let rest_share = percent(Some(rest.0 as f64 / rest.1 as f64));
    let p = match change.p_value {
        Some(p) if p < 0.001 => "p < 0.001".to_string(),
        Some(p) if p < 0.1 => format!("p = {p:.3}"),
        Some(p) => format!("p = {p:.2}"),
        None => "no difference at all".to_string(),
    };
    let below = change.difference.is_some_and(|d| d < 0.0);
    if change.significant {
        let side = if below { "below" } else { "above" };
        format!("Significantly {side} the rest of the desk ({rest_share}; {p}).")
    } else if is_small_sample(category.1.min(rest.1)) {
        format!("Too few answers to tell apart from the rest of the desk ({rest_share}).")
    } else {
        format!("Not significantly different from the rest of the desk ({rest_share}; {p}): it may be chance.")
    }
}

fn gap_row(g: GapCount) -> GapRow {
    let resolved = wilson(g.resolved, g.cases);
    GapRow {
        resolved: format!(
            "{} of {}: {} {}",
            g.resolved,
            g.cases,
            percent(resolved.value),
            interval(resolved.low, resolved.high)
        ),
        name: g.service_gap,
        cases: g.cases,
        root_causes: g.root_causes,
        examples: g
            .examples
            .into_iter()
            .map(|c| CaseLink {
                id: c.follow_up_id,
                ticket: c.ticket_external_id,
                resolved: if c.resolved == Some(true) { "resolved" } else { "not resolved" },
            })
            .collect(),
    }
}

/// Built-in reasons are codes (`reason.too_slow`) with an English text; a desk's own are text.
fn reason_row(r: ReasonCount) -> ReasonRow {
    let label = if r.reason.starts_with("reason.") { Catalog::global().text("en", &r.reason, &[]) } else { r.reason };
    ReasonRow { label, negative: r.negative, neutral: r.neutral, positive: r.positive }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(key: &str, csat: [i64; 5]) -> (String, Totals) {
        (key.to_string(), Totals { responses: csat.iter().sum(), csat, ..Totals::default() })
    }

    #[test]
    fn categories_rank_by_satisfied_answers_lost_against_the_desk() {
        let (desk, ranked) = rank(vec![
            category("Access", [0, 0, 0, 0, 4]),
            category("Email", [0, 1, 0, 1, 1]),
            category("Empty", [0; 5]),
            category("Printing", [2, 0, 0, 0, 1]),
        ]);
        assert_eq!((desk.successes, desk.n), (7, 10));
        let order: Vec<(&str, String)> = ranked.iter().map(|c| (c.key.as_str(), format!("{:.1}", c.lost))).collect();
        assert_eq!(order, [("Printing", "1.1".into()), ("Email", "0.1".into()), ("Access", "-1.2".into())]);
    }

    #[test]
    fn the_gap_to_the_rest_of_the_desk_is_said_in_words() {
        assert_eq!(comparison((90, 100), (10, 40)), "Significantly below the rest of the desk (90 %; p < 0.001).");
        assert_eq!(comparison((5, 6), (1, 3)), "Too few answers to tell apart from the rest of the desk (83 %).");
        assert!(comparison((70, 100), (28, 40))
            .starts_with("Not significantly different from the rest of the desk (70 %; p = 1.00)"));
        assert_eq!(comparison((0, 0), (1, 3)), "The only category with answers: nothing to compare it with.");
    }
}
