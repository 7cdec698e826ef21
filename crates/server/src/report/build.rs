//! Gathers a management or client report for one month: the numbers with their intervals
//! and the previous month, a year's CSAT trend, tables per team / category / organization,
//! the service gaps fixed, what recovery cases did, and praise. Counts come from the
//! rollups; examples (cases, quotes) are read with limits. One synchronous function, so the
//! staff page, the CLI and the monthly job all build the same report.

use super::period::Month;
use crate::desk::Desk;
use crate::staff::insight_common::{counts, csat_target, duration_words, percent, sum_days};
use rapport_domain::stats::{
    self, compare_nps, compare_proportions, csat, mean_of_sums, nps, sample_size_words, Nps, Proportion,
};
use rapport_domain::time::Millis;
use rapport_domain::visit::first_name;
use rapport_reports::{Audience, Cell, Headline, Improvement, PraiseQuote, Report, Table, Trend, TrendPoint};
use rapport_store::db::Conn;
use rapport_store::insight::{self, CommentQuery, FollowUpMetrics};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::staff_views::{names, NamedKind};
use rapport_store::visibility::Visibility;
use std::collections::HashMap;

const PRAISE_QUOTES: usize = 6;
const IMPROVEMENTS: usize = 25;

/// What to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub month: Month,
    /// A client report for this organization (id, name); `None`: the management report.
    pub organization: Option<(i64, String)>,
}

pub fn build(
    conn: &mut dyn Conn,
    desk: &Desk,
    request: &ReportRequest,
    visibility: &Visibility,
    now: Millis,
) -> rapport_store::Result<Report> {
    let filter = Filter { organization_id: request.organization.as_ref().map(|o| o.0), ..Filter::default() };
    let (month, previous) = (request.month, request.month.previous());
    let total = sum(conn, &filter, visibility, month)?;
    let before = sum(conn, &filter, visibility, previous)?;
    let (from, to) = month.millis();
    let (previous_from, previous_to) = previous.millis();
    let follow_ups = insight::follow_up_metrics(conn, &filter, visibility, from, to)?;
    let follow_ups_before = insight::follow_up_metrics(conn, &filter, visibility, previous_from, previous_to)?;
    let target = csat_target(conn)?;

    let mut tables = Vec::new();
    let client = request.organization.is_some();
    let dimensions: &[Dimension] =
        if client { &[Dimension::Category] } else { &[Dimension::Team, Dimension::Category, Dimension::Organization] };
    for &dimension in dimensions {
        tables.push(breakdown(conn, &filter, visibility, month, dimension)?);
    }
    tables.push(gaps_table(conn, &filter, visibility, from, to)?);

    let audience = match &request.organization {
        Some((_, name)) => Audience::Client { organization: name.clone() },
        None => Audience::Management,
    };
    Ok(Report {
        title: match &request.organization {
            Some((_, name)) => format!("Client report — {name}"),
            None => "Management report".into(),
        },
        desk_name: desk.name.clone(),
        audience,
        period_label: month.label(),
        previous_label: previous.label(),
        generated_at: desk.format(now),
        headlines: headlines(&total, &before, &follow_ups, &follow_ups_before),
        trend: Some(trend(conn, &filter, visibility, month, target)?),
        tables,
        improvements: improvements(conn, &filter, visibility, from, to)?,
        praise: praise(conn, &filter, visibility, from, to, client)?,
        notes: vec![
            "CSAT is the share of answers of 4 or 5 on the 5-point scale (a 3-point scale counts its top answer)."
                .into(),
            "Intervals are 95 % intervals: Wilson score intervals for shares, the standard margin of error for NPS, \
             Student-t for the effort average. Few answers give wide intervals."
                .into(),
            "A change is called significant only when a two-sided test at the 5 % level supports it.".into(),
            "Answers count for the team, technician, category and organization they had when the survey was sent; \
             answers that look automated (link scanners) are left out."
                .into(),
            format!("Months are calendar months in UTC. Target: CSAT {:.0} %.", target * 100.0),
        ],
    })
}

fn sum(conn: &mut dyn Conn, filter: &Filter, visibility: &Visibility, month: Month) -> rapport_store::Result<Totals> {
    let (from, to) = month.days();
    Ok(sum_days(&rollups::per_day(conn, filter, visibility, from, to)?, from, to))
}

fn interval(p: &Proportion) -> String {
    match (p.low, p.high) {
        (Some(low), Some(high)) => format!("{:.0}–{:.0} %", low * 100.0, high * 100.0),
        _ => String::new(),
    }
}

fn nps_value(n: &Nps) -> String {
    n.score.map(|s| format!("{s:+.0}")).unwrap_or_else(|| "–".into())
}

fn proportion_headline(label: &str, now: Proportion, was: Proportion, n_words: String) -> Headline {
    Headline {
        label: label.into(),
        value: percent(now.value),
        interval: interval(&now),
        n: n_words,
        previous: percent(was.value),
        change: compare_proportions((was.successes, was.n), (now.successes, now.n)).words,
    }
}

fn headlines(now: &Totals, was: &Totals, follow: &FollowUpMetrics, follow_was: &FollowUpMetrics) -> Vec<Headline> {
    let (c, c_was) = (csat(&counts(&now.csat)), csat(&counts(&was.csat)));
    let mut list = vec![proportion_headline("CSAT", c, c_was, sample_size_words(c.n))];
    let (n, n_was) = (nps(&counts(&now.nps)), nps(&counts(&was.nps)));
    if n.n > 0 || n_was.n > 0 {
        list.push(Headline {
            label: "NPS".into(),
            value: nps_value(&n),
            interval: n.margin.map(|m| format!("± {m:.0} points")).unwrap_or_default(),
            n: sample_size_words(n.n),
            previous: nps_value(&n_was),
            change: compare_nps(&n_was, &n).words,
        });
    }
    if now.effort_n > 0 {
        let effort = mean_of_sums(now.effort_n as u64, now.effort_sum, now.effort_squares, 1.0, 7.0);
        let effort_was = mean_of_sums(was.effort_n.max(0) as u64, was.effort_sum, was.effort_squares, 1.0, 7.0);
        let one = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into());
        list.push(Headline {
            label: "Effort (CES, 1–7)".into(),
            value: one(effort.value),
            interval: match (effort.low, effort.high) {
                (Some(l), Some(h)) => format!("{l:.1}–{h:.1}"),
                _ => String::new(),
            },
            n: sample_size_words(effort.n),
            previous: one(effort_was.value),
            change: String::new(),
        });
    }
    let rate = |t: &Totals| stats::wilson(t.responses.max(0) as u64, t.invited.max(t.responses).max(0) as u64);
    list.push(proportion_headline("Response rate", rate(now), rate(was), format!("{} surveys sent", now.invited)));
    if follow.recoveries_closed > 0 || follow_was.recoveries_closed > 0 {
        let recovery = |f: &FollowUpMetrics| stats::wilson(f.recovered, f.recoveries_closed);
        let words = format!("{} recovery cases closed", follow.recoveries_closed);
        list.push(proportion_headline("Recovery rate", recovery(follow), recovery(follow_was), words));
    }
    if let Some(median) = follow.first_contact_median_ms {
        list.push(Headline {
            label: "Median time to first contact".into(),
            value: duration_words(median),
            interval: String::new(),
            n: format!("{} recovery cases", follow.first_contacts),
            previous: follow_was.first_contact_median_ms.map(duration_words).unwrap_or_else(|| "–".into()),
            change: String::new(),
        });
    }
    if follow.checkins_due > 0 {
        let on_time = |f: &FollowUpMetrics| stats::wilson(f.checkins_on_time, f.checkins_due);
        let words = format!("{} check-ins due", follow.checkins_due);
        list.push(proportion_headline("Check-ins on time", on_time(follow), on_time(follow_was), words));
    }
    list
}

/// CSAT per month for the twelve months ending with the report's month.
fn trend(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    month: Month,
    target: f64,
) -> rapport_store::Result<Trend> {
    let mut months = vec![month];
    while months.len() < 12 {
        let earliest = *months.last().expect("not empty");
        months.push(earliest.previous());
    }
    months.reverse();
    let (from, _) = months[0].days();
    let (_, to) = month.days();
    let days = rollups::per_day(conn, filter, visibility, from, to)?;
    let points = months
        .iter()
        .map(|m| {
            let (first, end) = m.days();
            let total = sum_days(&days, first, end);
            let p = csat(&counts(&total.csat));
            TrendPoint { label: m.short_label(), value: p.value, low: p.low, high: p.high, n: p.n }
        })
        .collect();
    Ok(Trend { title: "CSAT by month, with 95 % intervals".into(), points, target: Some(target) })
}

fn names_of(conn: &mut dyn Conn, dimension: Dimension) -> rapport_store::Result<HashMap<String, String>> {
    let kind = match dimension {
        Dimension::Team => NamedKind::Teams,
        Dimension::Agent => NamedKind::Agents,
        Dimension::Organization => NamedKind::Organizations,
        _ => return Ok(HashMap::new()),
    };
    Ok(names(conn, kind)?.into_iter().map(|n| (n.id.to_string(), n.name)).collect())
}

fn breakdown(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    month: Month,
    dimension: Dimension,
) -> rapport_store::Result<Table> {
    let (from, to) = month.days();
    let names = names_of(conn, dimension)?;
    let (sheet, title) = match dimension {
        Dimension::Team => ("By team", "By team"),
        Dimension::Agent => ("By technician", "By technician"),
        Dimension::Organization => ("By organization", "By organization"),
        Dimension::Channel => ("By channel", "By channel"),
        Dimension::Category => ("By category", "By category"),
    };
    let mut rows: Vec<(u64, String, Vec<Cell>)> =
        rollups::per_dimension(conn, filter, visibility, from, to, dimension)?
            .into_iter()
            .filter(|(_, t)| t.responses > 0)
            .map(|(key, t)| {
                let name = names.get(&key).cloned().unwrap_or_else(|| {
                    if key.is_empty() || key == "0" {
                        "(none)".into()
                    } else {
                        key
                    }
                });
                let c = csat(&counts(&t.csat));
                let n = nps(&counts(&t.nps));
                let share = |v: Option<f64>| v.map(Cell::Percent).unwrap_or(Cell::Empty);
                let cells = vec![
                    Cell::Text(name.clone()),
                    Cell::Integer(c.n as i64),
                    share(c.value),
                    share(c.low),
                    share(c.high),
                    n.score.map(Cell::Number).unwrap_or(Cell::Empty),
                    n.margin.map(Cell::Number).unwrap_or(Cell::Empty),
                    Cell::Integer(n.n as i64),
                ];
                (c.n, name, cells)
            })
            .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(Table {
        sheet: sheet.into(),
        title: title.into(),
        columns: ["Name", "Answers", "CSAT", "CSAT low (95 %)", "CSAT high (95 %)", "NPS", "NPS margin", "NPS answers"]
            .map(String::from)
            .to_vec(),
        rows: rows.into_iter().map(|(_, _, cells)| cells).collect(),
    })
}

fn gaps_table(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> rapport_store::Result<Table> {
    let rows = insight::service_gaps(conn, filter, visibility, from, to)?
        .into_iter()
        .map(|g| {
            let causes = g.root_causes.iter().map(|(cause, n)| format!("{cause} ({n})")).collect::<Vec<_>>().join("; ");
            vec![
                Cell::Text(g.service_gap),
                Cell::Integer(g.cases as i64),
                Cell::Integer(g.resolved as i64),
                Cell::Text(causes),
            ]
        })
        .collect();
    Ok(Table {
        sheet: "Service gaps".into(),
        title: "Service gaps found by recovery cases".into(),
        columns: ["Service gap", "Cases closed", "Resolved", "Root causes"].map(String::from).to_vec(),
        rows,
    })
}

/// Recovery cases closed in the month: what went wrong, why, and what was done.
fn improvements(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
) -> rapport_store::Result<Vec<Improvement>> {
    // Cases opened up to a quarter earlier may close in this month.
    let cases = insight::recovery_cases(conn, filter, visibility, from - 92 * 86_400_000, to, 500)?;
    let mut list = Vec::new();
    for case in cases.into_iter().filter(|c| c.closed_at.is_some_and(|at| (from..to).contains(&at))) {
        if list.len() == IMPROVEMENTS {
            break;
        }
        let action = rapport_store::followups::last_note(conn, case.follow_up_id)?.unwrap_or_default();
        list.push(Improvement {
            ticket: match &case.ticket_title {
                Some(title) => format!("{} — {title}", case.ticket_external_id),
                None => case.ticket_external_id.clone(),
            },
            closed_on: case
                .closed_at
                .map(|at| rapport_domain::time::from_millis(at).format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            service_gap: case.service_gap.unwrap_or_default(),
            root_cause: case.root_cause.unwrap_or_default(),
            action,
            resolved: case.resolved,
        });
    }
    Ok(list)
}

fn praise(
    conn: &mut dyn Conn,
    filter: &Filter,
    visibility: &Visibility,
    from: Millis,
    to: Millis,
    client: bool,
) -> rapport_store::Result<Vec<PraiseQuote>> {
    let quotes = insight::comments(conn, filter, visibility, from, to, CommentQuery::praise(PRAISE_QUOTES * 4))?;
    // Longer comments say more; the newest of equal length first.
    let mut seen = std::collections::HashSet::new();
    let mut quotes: Vec<_> = quotes
        .into_iter()
        .filter(|q| q.comment.chars().count() >= 12 && seen.insert(q.comment.trim().to_lowercase()))
        .collect();
    quotes.sort_by_key(|q| std::cmp::Reverse(q.comment.chars().count().min(280)));
    Ok(quotes
        .into_iter()
        .take(PRAISE_QUOTES)
        .map(|q| {
            let name =
                q.customer_name.as_deref().map(|n| first_name(n).to_string()).unwrap_or_else(|| "A customer".into());
            PraiseQuote {
                text: q.comment,
                // A client's own report names its people by first name; the management report adds the client.
                who: match (&q.organization, client) {
                    (Some(org), false) => format!("{name}, {org}"),
                    _ => name,
                },
                agent: q.agent_name.as_deref().map(|n| first_name(n).to_string()),
                date: rapport_domain::time::from_millis(q.answered_at).format("%Y-%m-%d").to_string(),
            }
        })
        .collect())
}
