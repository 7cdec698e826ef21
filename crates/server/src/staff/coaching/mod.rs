//! Coaching: one page per person, for a conversation between that person and their manager.
//! Their CSAT over time beside their team's, what customers valued and where they struggled
//! (from the reasons they chose and the themes of their comments), praise in the customers'
//! words, and the recovery cases from their tickets. Never a ranking: no leaderboard, no
//! positions, no named colleagues.
//!
//! Who may open whose page: an admin anyone's, a manager the agents of their teams and
//! their own, an agent only their own; anyone else's page does not exist (404). The person's
//! figures are read with the viewer's visibility. The team's line is an aggregate of the
//! whole team; a viewer who does not lead the team (the agent themselves) sees it only when
//! enough colleagues answered that no one's own figures can be worked out from it.

mod people;
mod words;

use super::access::visibility;
use super::insight_common::{buckets, csat_of, csat_point, iso, subtract, sum_days, DAY};
use super::layout::{page, when, Frame};
use super::Staff;
use crate::app::AppState;
use crate::charts::{trend_chart, Series, TrendChart, Unit};
use crate::error::ApiError;
use crate::i18n::Catalog;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use people::{coachable, team_name, Person};
use rapport_store::insight::{self, CommentQuery, RecoveryCase};
use rapport_store::rollups::{self, Dimension, Filter, Totals};
use rapport_store::visibility::Visibility;
use rapport_store::StaffRole;
use serde::Deserialize;
use words::{first_name, strengths_and_areas, Point, Signal};

/// A colleague's figures must not be worked out from a team line: a viewer who does not
/// lead the team sees it only when at least this many others answered in the period.
const OTHERS_FOR_A_TEAM_LINE: usize = 2;
/// A comment theme of one person's period needs at least this many comments.
const THEME_MIN_COMMENTS: usize = 2;

pub fn router() -> Router<AppState> {
    Router::new().route("/coaching", get(index)).route("/coaching/{agent_id}", get(show))
}

#[derive(Deserialize, Default)]
pub struct CoachingQuery {
    /// "quarter" (12 weeks, by week; the default) or "year" (12 months, by month).
    period: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/coaching_index.html")]
struct IndexPage {
    frame: Frame,
    people: Vec<Person>,
}

/// GET /coaching: the people the viewer may coach; an agent goes straight to their own page.
async fn index(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    if staff.user.role == StaffRole::Agent {
        if let Some(id) = staff.user.agent_id {
            return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/coaching/{id}"))]).into_response());
        }
    }
    let to = state.clock.now().div_euclid(DAY) + 1;
    let (user, vis) = (staff.user.clone(), visibility(&staff.user));
    let people = state.store.read(move |conn| coachable(conn, &user, &vis, to)).await?;
    Ok(page(IndexPage {
        frame: Frame::new(&staff, "Coaching", "dashboard").with_counts(&state, &staff).await?,
        people,
    }))
}

/// A praise quote as the page shows it.
pub struct Praise {
    pub comment: String,
    pub who: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "staff/coaching.html")]
struct CoachingPage {
    frame: Frame,
    person: Person,
    period: &'static str,
    period_name: &'static str,
    trend: String,
    team: String,
    chart: String,
    strengths: Vec<Point>,
    areas: Vec<Point>,
    praise: Vec<Praise>,
    cases: Vec<RecoveryCase>,
}

/// The person's team: its name, its per-day totals and the person's own totals within it.
struct Team {
    name: String,
    days: Vec<(i64, Totals)>,
    own: Totals,
}

/// What the page reads, in one read transaction.
struct Data {
    person: Person,
    days: Vec<(i64, Totals)>,
    team: Option<Team>,
    /// The team's line was left out: too few colleagues to show it.
    team_hidden: bool,
    reasons: Vec<insight::ReasonCount>,
    praise: Vec<insight::Quote>,
    cases: Vec<RecoveryCase>,
}

/// GET /coaching/{agent_id}
async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(raw): Path<String>,
    Query(q): Query<CoachingQuery>,
) -> Result<Response, ApiError> {
    let id: i64 = raw.trim().parse().map_err(|_| ApiError::NotFound)?;
    let by_month = q.period.as_deref() == Some("year");
    let length = if by_month { 365 } else { 84 };
    let to = state.clock.now().div_euclid(DAY) + 1;
    let from = to - length;
    let (from_ms, to_ms) = (from * DAY, to * DAY);
    let (user, vis) = (staff.user.clone(), visibility(&staff.user));
    let mine = Filter { agent_id: Some(id), ..Filter::default() };
    let (read_vis, read_mine) = (vis.clone(), mine.clone());
    let data = state
        .store
        .read(move |conn| {
            let (vis, mine) = (read_vis, read_mine);
            let Some(person) = coachable(conn, &user, &vis, to)?.into_iter().find(|p| p.id == id) else {
                return Ok(None);
            };
            let days = rollups::per_day(conn, &mine, &vis, from, to)?;
            // Their team: the one they are in now, else the one most of their answers came from.
            let team_id = match person.team_id {
                Some(team) => Some(team),
                None => rollups::per_dimension(conn, &mine, &vis, from, to, Dimension::Team)?
                    .into_iter()
                    .filter_map(|(key, t)| key.parse::<i64>().ok().filter(|k| *k > 0).map(|k| (k, t.responses)))
                    .max_by_key(|(_, n)| *n)
                    .map(|(k, _)| k),
            };
            let (mut team, mut team_hidden) = (None, false);
            if let Some(team_id) = team_id {
                let team_vis = Visibility { everything: false, agent_id: None, team_ids: vec![team_id] };
                let team_filter = Filter { team_id: Some(team_id), ..Filter::default() };
                let per_agent = rollups::per_dimension(conn, &team_filter, &team_vis, from, to, Dimension::Agent)?;
                let others = per_agent.iter().filter(|(key, t)| t.responses > 0 && *key != id.to_string()).count();
                let leads = vis.everything || vis.team_ids.contains(&team_id);
                if leads || others >= OTHERS_FOR_A_TEAM_LINE {
                    let own = per_agent.into_iter().find(|(key, _)| *key == id.to_string()).map(|(_, t)| t);
                    let team_days = rollups::per_day(conn, &team_filter, &team_vis, from, to)?;
                    let name = team_name(conn, team_id)?;
                    team = Some(Team { name, days: team_days, own: own.unwrap_or_default() });
                } else {
                    team_hidden = true;
                }
            }
            Ok(Some(Data {
                person,
                days,
                team,
                team_hidden,
                reasons: insight::reason_counts(conn, &mine, &vis, from_ms, to_ms)?,
                praise: insight::comments(conn, &mine, &vis, from_ms, to_ms, CommentQuery::praise(5))?,
                cases: insight::recovery_cases(conn, &mine, &vis, from_ms, to_ms, 10)?,
            }))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let themes = super::themes::load_themes(&state, mine, vis, from_ms, to_ms, THEME_MIN_COMMENTS).await?;

    let name = data.person.name.clone();
    let overall = csat_of(&sum_days(&data.days, from, to));
    let mut chart = TrendChart::new(
        format!("CSAT of {name}'s tickets (share of 4–5), with 95 % intervals"),
        Unit::Percent,
        (0.0, 1.0),
        Series {
            name: name.clone(),
            points: buckets(&data.days, from, to, by_month).iter().map(|(l, t)| csat_point(l.clone(), t)).collect(),
        },
    );
    let team_words = match &data.team {
        Some(Team { name: team, days: team_days, own }) => {
            let whole = sum_days(team_days, from, to);
            let rest = csat_of(&subtract(&whole, own));
            let mine_in_team = csat_of(own);
            chart.previous = Some(Series {
                name: format!("{team} (the whole team)"),
                points: buckets(team_days, from, to, by_month).iter().map(|(l, t)| csat_point(l.clone(), t)).collect(),
            });
            words::team_sentence((mine_in_team.successes, mine_in_team.n), (rest.successes, rest.n), team)
        }
        None if data.team_hidden => {
            "Too few colleagues had answers in this period to show the team's line without revealing someone's own figures.".into()
        }
        None => String::new(),
    };

    let catalog = Catalog::global();
    let signals: Vec<Signal> = data
        .reasons
        .iter()
        .map(|r| Signal {
            label: catalog.text("en", &r.reason, &[]),
            positive: r.positive,
            neutral: r.neutral,
            negative: r.negative,
        })
        .collect();
    let (mut strengths, mut areas) = strengths_and_areas(&signals, "Chosen");
    let themes: Vec<Signal> = themes
        .into_iter()
        .map(|t| Signal { label: t.label, positive: t.positive, neutral: t.neutral, negative: t.negative })
        .collect();
    let (theme_strengths, theme_areas) = strengths_and_areas(&themes, "Mentioned in comments");
    strengths.extend(theme_strengths);
    areas.extend(theme_areas);
    let praise = data
        .praise
        .iter()
        .map(|q| Praise {
            comment: q.comment.clone(),
            who: first_name(q.customer_name.as_deref()),
            date: iso(q.answered_at.div_euclid(DAY)),
        })
        .collect();

    Ok(page(CoachingPage {
        frame: Frame::new(&staff, format!("Coaching: {name}"), "dashboard").with_counts(&state, &staff).await?,
        period: if by_month { "year" } else { "quarter" },
        period_name: if by_month { "the last 12 months" } else { "the last 12 weeks" },
        trend: words::trend_sentence(&name, &overall),
        team: team_words,
        chart: trend_chart(&chart),
        strengths,
        areas,
        praise,
        cases: data.cases,
        person: data.person,
    }))
}

/// A case's state as the case list says it.
pub fn state_words(state: &str) -> &'static str {
    match state {
        "pending" => "Waiting",
        "open" => "Open",
        "in_progress" => "In progress",
        "done" => "Closed",
        "cancelled" => "Cancelled",
        _ => "Other",
    }
}

/// "2026-10-15 14:03", for a case's dates.
pub fn at(ms: &i64) -> String {
    when(*ms)
}
