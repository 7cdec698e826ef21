//! Benchmarks: the desk against its own target and its own past (the last full month, the
//! last 13 weeks and the last 12 months, each against the same period a year earlier),
//! each team against the rest of the desk, and published reference points with their
//! sources. Every number comes from the rollups and carries its n and 95 % interval; what a
//! viewer sees is narrowed by their visibility (a manager's "desk" is their teams).

mod industry;
mod words;

use super::access::visibility;
use super::insight_common::{
    counts, csat_of, csat_point, csat_target, interval, iso, month_label, month_start, percent, subtract, sum_days, DAY,
};
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::charts::{trend_chart, Series, TrendChart, Unit};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use industry::{for_measure, Measure, Reference};
use rapport_domain::stats::{compare_nps, compare_proportions, mean_of_counts, nps, sample_size_words, Nps};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::staff_views::NamedKind;
use rapport_store::StaffRole;
use serde::Deserialize;

/// A quarter as 13 whole weeks, and "a year earlier" as 52 weeks, so both periods hold the
/// same weekdays (a desk's Mondays differ from its Sundays).
const QUARTER_DAYS: i64 = 91;
const YEAR_OF_WEEKS: i64 = 364;
const YEAR_DAYS: i64 = 365;

pub fn router() -> Router<AppState> {
    Router::new().route("/insight/benchmarks", get(show))
}

#[derive(Deserialize, Default)]
pub struct BenchmarksQuery {
    /// The teams table's period: "month", "quarter" (default) or "year".
    period: Option<String>,
}

/// One period: its own figures and the same period a year earlier.
struct Period {
    name: String,
    dates: String,
    from: i64,
    to: i64,
    before_name: String,
    before_from: i64,
    before_to: i64,
}

/// One row of the "against the target and the past" table.
pub struct PeriodRow {
    pub name: String,
    pub dates: String,
    pub csat: String,
    pub interval: String,
    pub n: String,
    pub against_target: String,
    pub before_name: String,
    pub before: String,
    pub against_before: String,
    pub nps: String,
    pub nps_before: String,
    pub nps_against_before: String,
}

/// A team against the rest of what the viewer sees.
pub struct TeamRow {
    pub name: String,
    pub link: String,
    pub n: u64,
    pub csat: String,
    pub words: String,
}

/// One measure's reference points next to the desk's own figure.
pub struct ReferenceSection {
    pub measure: &'static str,
    pub ours: String,
    pub references: Vec<&'static Reference>,
}

#[derive(Template)]
#[template(path = "staff/benchmarks.html")]
struct BenchmarksPage {
    frame: Frame,
    scope: &'static str,
    target: String,
    rows: Vec<PeriodRow>,
    has_nps: bool,
    chart: String,
    teams: Option<Vec<TeamRow>>,
    team_period: &'static str,
    team_period_name: String,
    rest_name: &'static str,
    references: Vec<ReferenceSection>,
}

fn periods(today: i64) -> Vec<Period> {
    let to = today + 1;
    let (month_from, month_to) = (month_start(today, -1), month_start(today, 0));
    let (last_year_from, last_year_to) = (month_start(today, -13), month_start(today, -12));
    vec![
        Period {
            name: format!("Last full month ({})", month_label(month_from)),
            dates: dates(month_from, month_to),
            from: month_from,
            to: month_to,
            before_name: format!("{} a year earlier", month_label(last_year_from)),
            before_from: last_year_from,
            before_to: last_year_to,
        },
        Period {
            name: "Last 13 weeks".into(),
            dates: dates(to - QUARTER_DAYS, to),
            from: to - QUARTER_DAYS,
            to,
            before_name: format!(
                "The same 13 weeks a year earlier ({})",
                dates(to - QUARTER_DAYS - YEAR_OF_WEEKS, to - YEAR_OF_WEEKS)
            ),
            before_from: to - QUARTER_DAYS - YEAR_OF_WEEKS,
            before_to: to - YEAR_OF_WEEKS,
        },
        Period {
            name: "Last 12 months".into(),
            dates: dates(to - YEAR_DAYS, to),
            from: to - YEAR_DAYS,
            to,
            before_name: format!("The 12 months before ({})", dates(to - 2 * YEAR_DAYS, to - YEAR_DAYS)),
            before_from: to - 2 * YEAR_DAYS,
            before_to: to - YEAR_DAYS,
        },
    ]
}

/// "2026-10-01 – 2026-10-31" for the days `from` ≤ day < `to`.
fn dates(from: i64, to: i64) -> String {
    format!("{} – {}", iso(from), iso(to - 1))
}

fn nps_of(t: &Totals) -> Nps {
    nps(&counts(&t.nps))
}

fn nps_text(n: &Nps) -> String {
    match (n.score, n.margin) {
        (Some(score), Some(margin)) => format!("{score:+.0} ± {margin:.0} ({})", sample_size_words(n.n)),
        _ => "no NPS answers".into(),
    }
}

fn period_row(p: &Period, days: &[(i64, Totals)], target: f64) -> PeriodRow {
    let (now, was) = (sum_days(days, p.from, p.to), sum_days(days, p.before_from, p.before_to));
    let (c, b) = (csat_of(&now), csat_of(&was));
    let (n_now, n_was) = (nps_of(&now), nps_of(&was));
    PeriodRow {
        name: p.name.clone(),
        dates: p.dates.clone(),
        csat: percent(c.value),
        interval: interval(c.low, c.high),
        n: sample_size_words(c.n),
        against_target: words::against_target(&c, target),
        before_name: p.before_name.clone(),
        before: format!("{} {} · {}", percent(b.value), interval(b.low, b.high), sample_size_words(b.n)),
        against_before: compare_proportions((b.successes, b.n), (c.successes, c.n)).words,
        nps: nps_text(&n_now),
        nps_before: nps_text(&n_was),
        nps_against_before: compare_nps(&n_was, &n_now).words,
    }
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<BenchmarksQuery>,
) -> Result<Response, ApiError> {
    let today = state.clock.now().div_euclid(DAY);
    let to = today + 1;
    let periods = periods(today);
    let first = periods.iter().map(|p| p.before_from).min().unwrap_or(to).min(month_start(today, -23));
    let (team_period, team_from, team_period_name) = match q.period.as_deref() {
        Some("month") => ("month", to - 30, "the last 30 days".to_string()),
        Some("year") => ("year", to - YEAR_DAYS, "the last 12 months".to_string()),
        _ => ("quarter", to - QUARTER_DAYS, "the last 13 weeks".to_string()),
    };
    let vis = visibility(&staff.user);
    let read_vis = vis.clone();
    let (days, per_team, target) = state
        .store
        .read(move |conn| {
            let f = Filter::default();
            let days = rollups::per_day(conn, &f, &read_vis, first, to)?;
            let per_team = rollups::per_dimension(conn, &f, &read_vis, team_from, to, Dimension::Team)?;
            Ok((days, per_team, csat_target(conn)?))
        })
        .await?;
    let rows: Vec<PeriodRow> = periods.iter().map(|p| period_row(p, &days, target)).collect();
    let has_nps = nps_of(&sum_days(&days, first, to)).n > 0;

    // Twelve months to this one, against the same months a year earlier.
    let months = |offset: i32| -> Series {
        let points = (0..12)
            .map(|i| {
                let (from, until) = (month_start(today, offset - 11 + i), month_start(today, offset - 10 + i));
                csat_point(month_label(from), &sum_days(&days, from, until))
            })
            .collect();
        Series { name: String::new(), points }
    };
    let mut trend = TrendChart::new(
        "CSAT by month (share of 4–5), with 95 % intervals",
        Unit::Percent,
        (0.0, 1.0),
        Series { name: "Last 12 months".into(), ..months(0) },
    );
    trend.previous = Some(Series { name: "The same months a year earlier".into(), ..months(-12) });
    trend.target = Some((target, format!("Target {:.0} %", target * 100.0)));

    let (scope, rest_name, teams) = match staff.user.role {
        StaffRole::Agent => ("Your answers", "", None),
        role => {
            let names = state.store.named_for(vis, NamedKind::Teams).await?;
            let mut whole = Totals::default();
            per_team.iter().for_each(|(_, t)| whole.add(t));
            let rest_name = if role == StaffRole::Admin { "the rest of the desk" } else { "your other teams" };
            let mut rows: Vec<TeamRow> = per_team
                .iter()
                .filter(|(_, t)| t.responses > 0)
                .map(|(key, t)| {
                    let (mine, rest) = (csat_of(t), csat_of(&subtract(&whole, t)));
                    let name = names
                        .iter()
                        .find(|n| n.id.to_string() == *key)
                        .map(|n| n.name.clone())
                        .unwrap_or_else(|| "(no team)".into());
                    let id: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
                    TeamRow {
                        name,
                        link: format!("/answers?team={id}&since={}", iso(team_from)),
                        n: mine.n,
                        csat: format!("{} {}", percent(mine.value), interval(mine.low, mine.high)),
                        words: words::against_rest((mine.successes, mine.n), (rest.successes, rest.n), rest_name),
                    }
                })
                .collect();
            rows.sort_by(|a, b| a.name.cmp(&b.name));
            let scope = if role == StaffRole::Admin { "The desk" } else { "Your teams" };
            (scope, rest_name, Some(rows))
        }
    };

    let year = sum_days(&days, to - YEAR_DAYS, to);
    let (c, m, n) = (csat_of(&year), mean_of_counts(&counts(&year.csat), 1), nps_of(&year));
    let references = vec![
        ReferenceSection {
            measure: "CSAT (share of satisfied or very satisfied answers)",
            ours: format!("{} {}, {}", percent(c.value), interval(c.low, c.high), sample_size_words(c.n)),
            references: for_measure(Measure::Csat),
        },
        ReferenceSection {
            measure: "Average rating on the 1–5 scale",
            ours: match (m.value, m.low, m.high) {
                (Some(v), Some(l), Some(h)) => format!("{v:.2} ({l:.2}–{h:.2}), {}", sample_size_words(m.n)),
                (Some(v), _, _) => format!("{v:.2}, {}", sample_size_words(m.n)),
                _ => "no answers".into(),
            },
            references: for_measure(Measure::MeanScore),
        },
        ReferenceSection { measure: "NPS", ours: nps_text(&n), references: for_measure(Measure::Nps) },
    ];

    Ok(page(BenchmarksPage {
        frame: Frame::new(&staff, "Benchmarks", "dashboard").with_counts(&state, &staff).await?,
        scope,
        target: format!("{:.0} %", target * 100.0),
        rows,
        has_nps,
        chart: trend_chart(&trend),
        teams,
        team_period,
        team_period_name,
        rest_name,
        references,
    }))
}
