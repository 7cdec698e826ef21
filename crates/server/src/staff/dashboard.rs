//! The dashboard: CSAT and NPS over time with their 95 % intervals, the previous period and
//! the target; response rate; the distribution of scores; a table per team, agent, category
//! and organization with n and intervals, each linking to the answers behind it. Every
//! number comes from the rollups (never a scan of the answers) and carries its n.

use super::access::visibility;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::charts::{bar_chart, trend_chart, Bar, Point, Series, TrendChart, Unit};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate};
use rapport_domain::stats::{self, compare_nps, compare_proportions, csat, nps, sample_size_words};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::staff_views::{Named, NamedKind};
use serde::Deserialize;

const DAY: i64 = 86_400_000;
/// The desk's CSAT target when none is set (setting `csat_target`, in percent).
const DEFAULT_TARGET: f64 = 0.85;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(show))
}

#[derive(Deserialize, Default, Clone)]
pub struct DashboardQuery {
    period: Option<String>,
    team: Option<String>,
    agent: Option<String>,
    organization: Option<String>,
    category: Option<String>,
    channel: Option<String>,
}

/// One headline number with its interval, n and the change from the previous period.
pub struct Headline {
    pub label: &'static str,
    pub value: String,
    pub interval: String,
    pub n: String,
    pub change: String,
}

/// A row of the breakdown tables.
pub struct Row {
    pub name: String,
    pub link: String,
    pub n: u64,
    pub csat: String,
    pub nps: String,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    frame: Frame,
    q: DashboardQuery,
    period: &'static str,
    headlines: Vec<Headline>,
    csat_chart: String,
    nps_chart: Option<String>,
    distribution: String,
    tables: Vec<(&'static str, Vec<Row>)>,
    teams: Vec<Named>,
    agents: Vec<Named>,
    organizations: Vec<Named>,
}

fn add(into: &mut Totals, t: &Totals) {
    into.invited += t.invited;
    into.responses += t.responses;
    for i in 0..5 {
        into.csat[i] += t.csat[i];
    }
    for i in 0..11 {
        into.nps[i] += t.nps[i];
    }
    into.effort_n += t.effort_n;
    into.effort_sum += t.effort_sum;
    into.effort_squares += t.effort_squares;
    into.comments += t.comments;
}

fn counts<const N: usize>(values: &[i64; N]) -> [u64; N] {
    values.map(|v| v.max(0) as u64)
}

fn percent(value: Option<f64>) -> String {
    value.map(|v| format!("{:.0} %", v * 100.0)).unwrap_or_else(|| "–".into())
}

fn some(raw: &Option<String>) -> Option<String> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Days since the epoch → the bucket label: ISO week for a quarter, month for a year.
fn bucket(day: i64, by_month: bool) -> String {
    let date = NaiveDate::from_num_days_from_ce_opt(719_163 + day as i32).unwrap_or_default();
    if by_month {
        date.format("%b %Y").to_string()
    } else {
        let week = date.iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    }
}

/// Buckets of a period in order, with their totals (empty buckets included).
fn series(days: &[(i64, Totals)], from: i64, to: i64, by_month: bool) -> Vec<(String, Totals)> {
    let mut buckets: Vec<(String, Totals)> = Vec::new();
    for day in from..to {
        let label = bucket(day, by_month);
        if buckets.last().is_none_or(|(last, _)| *last != label) {
            buckets.push((label, Totals::default()));
        }
    }
    for (day, totals) in days {
        let label = bucket(*day, by_month);
        if let Some((_, into)) = buckets.iter_mut().find(|(l, _)| *l == label) {
            add(into, totals);
        }
    }
    buckets
}

fn csat_points(buckets: &[(String, Totals)]) -> Vec<Point> {
    buckets
        .iter()
        .map(|(label, t)| {
            let p = csat(&counts(&t.csat));
            Point { label: label.clone(), value: p.value, low: p.low, high: p.high, n: p.n }
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, ApiError> {
    let by_month = q.period.as_deref() == Some("year");
    let length = if by_month { 365 } else { 84 };
    let to = state.clock.now().div_euclid(DAY) + 1;
    let from = to - length;
    let filter = Filter {
        team_id: some(&q.team).and_then(|s| s.parse().ok()),
        agent_id: some(&q.agent).and_then(|s| s.parse().ok()),
        category: some(&q.category),
        organization_id: some(&q.organization).and_then(|s| s.parse().ok()),
        channel: some(&q.channel),
    };
    let vis = visibility(&staff.user);
    let (read_filter, read_vis) = (filter.clone(), vis.clone());
    let (days, previous_days, breakdowns, target) = state
        .store
        .read(move |conn| {
            let (f, v) = (&read_filter, &read_vis);
            let days = rollups::per_day(conn, f, v, from, to)?;
            let previous = rollups::per_day(conn, f, v, from - length, from)?;
            let mut breakdowns = Vec::new();
            for dimension in [Dimension::Team, Dimension::Agent, Dimension::Category, Dimension::Organization] {
                breakdowns.push((dimension, rollups::per_dimension(conn, f, v, from, to, dimension)?));
            }
            let target = rapport_store::settings::setting(conn, "csat_target")?.and_then(|t| t.parse::<f64>().ok());
            Ok((days, previous, breakdowns, target))
        })
        .await?;
    let teams = state.store.named_for(vis.clone(), NamedKind::Teams).await?;
    let agents = state.store.named_for(vis.clone(), NamedKind::Agents).await?;
    let organizations = state.store.named_for(vis, NamedKind::Organizations).await?;

    let current = series(&days, from, to, by_month);
    let previous = series(&previous_days, from - length, from, by_month);
    let mut total = Totals::default();
    current.iter().for_each(|(_, t)| add(&mut total, t));
    let mut before = Totals::default();
    previous.iter().for_each(|(_, t)| add(&mut before, t));
    let target = target.map(|t| t / 100.0).unwrap_or(DEFAULT_TARGET);

    let mut chart = TrendChart::new(
        "CSAT (share of 4–5), with 95 % intervals",
        Unit::Percent,
        (0.0, 1.0),
        Series { name: "This period".into(), points: csat_points(&current) },
    );
    chart.previous = Some(Series { name: "Previous period".into(), points: csat_points(&previous) });
    chart.target = Some((target, format!("Target {:.0} %", target * 100.0)));
    let now_csat = csat(&counts(&total.csat));
    let was_csat = csat(&counts(&before.csat));
    let (now_nps, was_nps) = (nps(&counts(&total.nps)), nps(&counts(&before.nps)));
    let nps_chart = (now_nps.n > 0).then(|| {
        let points = current
            .iter()
            .map(|(label, t)| {
                let n = nps(&counts(&t.nps));
                Point { label: label.clone(), value: n.score, low: n.low, high: n.high, n: n.n }
            })
            .collect();
        trend_chart(&TrendChart::new(
            "NPS (% promoters − % detractors), with 95 % intervals",
            Unit::Points,
            (-100.0, 100.0),
            Series { name: "This period".into(), points },
        ))
    });
    let rate = stats::wilson(total.responses.max(0) as u64, total.invited.max(total.responses).max(0) as u64);
    let mut headlines = vec![
        Headline {
            label: "CSAT",
            value: percent(now_csat.value),
            interval: interval(now_csat.low, now_csat.high),
            n: sample_size_words(now_csat.n),
            change: compare_proportions((was_csat.successes, was_csat.n), (now_csat.successes, now_csat.n)).words,
        },
        Headline {
            label: "Response rate",
            value: percent(rate.value),
            interval: interval(rate.low, rate.high),
            n: format!("{} surveys sent", total.invited),
            change: String::new(),
        },
    ];
    if now_nps.n > 0 {
        headlines.insert(
            1,
            Headline {
                label: "NPS",
                value: now_nps.score.map(|s| format!("{s:+.0}")).unwrap_or_else(|| "–".into()),
                interval: now_nps.margin.map(|m| format!("± {m:.0} points")).unwrap_or_default(),
                n: sample_size_words(now_nps.n),
                change: compare_nps(&was_nps, &now_nps).words,
            },
        );
    }
    let labels = ["1 Very dissatisfied", "2 Dissatisfied", "3 Neither", "4 Satisfied", "5 Very satisfied"];
    let bars: Vec<Bar> = (0..5)
        .rev()
        .map(|i| {
            let share = if total.responses > 0 { total.csat[i] as f64 / total.responses as f64 } else { 0.0 };
            Bar {
                label: labels[i].into(),
                value: total.csat[i] as f64,
                note: format!("{} ({:.0} %)", total.csat[i], share * 100.0),
                colour: None,
            }
        })
        .collect();
    let distribution = bar_chart("Scores in this period", &bars, 560);
    let name_of = |list: &[Named], key: &str| {
        list.iter().find(|n| n.id.to_string() == key).map(|n| n.name.clone()).unwrap_or_else(|| "(none)".into())
    };
    let since = NaiveDate::from_num_days_from_ce_opt(719_163 + from as i32).unwrap_or_default().to_string();
    let tables = breakdowns
        .into_iter()
        .map(|(dimension, rows)| {
            let (title, param) = match dimension {
                Dimension::Team => ("By team", "team"),
                Dimension::Agent => ("By agent", "agent"),
                Dimension::Category => ("By category", "category"),
                _ => ("By organization", "organization"),
            };
            let mut rows: Vec<Row> = rows
                .into_iter()
                .filter(|(_, t)| t.responses > 0)
                .map(|(key, t)| {
                    let name = match dimension {
                        Dimension::Team => name_of(&teams, &key),
                        Dimension::Agent => name_of(&agents, &key),
                        Dimension::Organization => name_of(&organizations, &key),
                        _ if key.is_empty() => "(none)".into(),
                        _ => key.clone(),
                    };
                    let c = csat(&counts(&t.csat));
                    let n = nps(&counts(&t.nps));
                    let value: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
                    Row {
                        name,
                        link: format!("/answers?{param}={value}&since={since}"),
                        n: c.n,
                        csat: format!("{} {}", percent(c.value), interval(c.low, c.high)),
                        nps: match (n.n, n.score, n.margin) {
                            (0, _, _) => "–".into(),
                            (_, Some(s), Some(m)) => format!("{s:+.0} ± {m:.0}"),
                            _ => "–".into(),
                        },
                    }
                })
                .collect();
            rows.sort_by(|a, b| b.n.cmp(&a.n).then(a.name.cmp(&b.name)));
            (title, rows)
        })
        .collect();
    Ok(page(DashboardPage {
        frame: Frame::new(&staff, "Dashboard", "dashboard").with_counts(&state, &staff).await?,
        period: if by_month { "year" } else { "quarter" },
        q,
        headlines,
        csat_chart: trend_chart(&chart),
        nps_chart,
        distribution,
        tables,
        teams,
        agents,
        organizations,
    }))
}

fn interval(low: Option<f64>, high: Option<f64>) -> String {
    match (low, high) {
        (Some(low), Some(high)) => format!("({:.0}–{:.0} %)", low * 100.0, high * 100.0),
        _ => String::new(),
    }
}
