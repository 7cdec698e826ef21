//! The dashboard: CSAT and NPS over time with their 95 % intervals, the previous period and
//! the target; response rate; the distribution of scores; a table per team, agent, category
//! and organization with n and intervals, each linking to the answers behind it; what closing
//! the loop achieved (recovery rate, time to first contact, check-ins on time). Answer counts
//! come from the rollups (never a scan of the answers); every number carries its n.

use super::access::visibility;
use super::insight_common::{buckets, counts, csat_point, csat_target, duration_words, interval, percent, some, DAY};
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
use chrono::NaiveDate;
use rapport_domain::stats::{self, compare_nps, compare_proportions, csat, nps, sample_size_words};
use rapport_store::insight::{follow_up_metrics, FollowUpMetrics};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::staff_views::{Named, NamedKind};
use serde::Deserialize;

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
    /// What closing the loop achieved in the period.
    loop_headlines: Vec<Headline>,
    csat_chart: String,
    nps_chart: Option<String>,
    distribution: String,
    tables: Vec<(&'static str, Vec<Row>)>,
    teams: Vec<Named>,
    agents: Vec<Named>,
    organizations: Vec<Named>,
}

fn csat_points(buckets: &[(String, Totals)]) -> Vec<Point> {
    buckets.iter().map(|(label, t)| csat_point(label.clone(), t)).collect()
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
    // Follow-ups up to now: a check-in due later today is not late yet.
    let now = state.clock.now();
    let (days, previous_days, breakdowns, target, follow_ups) = state
        .store
        .read(move |conn| {
            let (f, v) = (&read_filter, &read_vis);
            let days = rollups::per_day(conn, f, v, from, to)?;
            let previous = rollups::per_day(conn, f, v, from - length, from)?;
            let mut breakdowns = Vec::new();
            for dimension in [Dimension::Team, Dimension::Agent, Dimension::Category, Dimension::Organization] {
                breakdowns.push((dimension, rollups::per_dimension(conn, f, v, from, to, dimension)?));
            }
            let target = csat_target(conn)?;
            let follow_ups = follow_up_metrics(conn, f, v, from * DAY, now + 1)?;
            Ok((days, previous, breakdowns, target, follow_ups))
        })
        .await?;
    let teams = state.store.named_for(vis.clone(), NamedKind::Teams).await?;
    let agents = state.store.named_for(vis.clone(), NamedKind::Agents).await?;
    let organizations = state.store.named_for(vis, NamedKind::Organizations).await?;

    let current = buckets(&days, from, to, by_month);
    let previous = buckets(&previous_days, from - length, from, by_month);
    let mut total = Totals::default();
    current.iter().for_each(|(_, t)| total.add(t));
    let mut before = Totals::default();
    previous.iter().for_each(|(_, t)| before.add(t));

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
        loop_headlines: follow_up_headlines(&follow_ups),
        csat_chart: trend_chart(&chart),
        nps_chart,
        distribution,
        tables,
        teams,
        agents,
        organizations,
    }))
}

/// Recovery rate, median time to first contact and check-ins on time.
fn follow_up_headlines(m: &FollowUpMetrics) -> Vec<Headline> {
    let recovery = stats::wilson(m.recovered, m.recoveries_closed);
    let on_time = stats::wilson(m.checkins_on_time, m.checkins_due);
    let plural = |n: u64, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    vec![
        Headline {
            label: "Recovery rate",
            value: percent(recovery.value),
            interval: interval(recovery.low, recovery.high),
            n: match m.recoveries_closed {
                0 => "no closed recovery cases".into(),
                closed => format!("{} of {} resolved", m.recovered, plural(closed, "closed case", "closed cases")),
            },
            change: match m.recoveries_opened {
                0 => "No recovery cases opened in this period.".into(),
                n => format!("{} opened in this period.", plural(n, "recovery case", "recovery cases")),
            },
        },
        Headline {
            label: "Time to first contact",
            value: m.first_contact_median_ms.map(duration_words).unwrap_or_else(|| "–".into()),
            interval: String::new(),
            n: match m.first_contacts {
                0 => "no first contacts yet".into(),
                n => format!("median of {}", plural(n, "recovery case", "recovery cases")),
            },
            change: String::new(),
        },
        Headline {
            label: "Check-ins on time",
            value: percent(on_time.value),
            interval: interval(on_time.low, on_time.high),
            n: match m.checkins_due {
                0 => "no check-ins due".into(),
                due => format!("{} of {} sent on time", m.checkins_on_time, plural(due, "check-in", "check-ins")),
            },
            change: String::new(),
        },
    ]
}
