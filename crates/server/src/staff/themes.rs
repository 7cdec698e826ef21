//! Comment themes: what customers write about, grouped by `rapport_domain::themes` from the
//! comments of a period (the most recent [`COMMENT_LIMIT`]), with sentiment per theme and
//! example quotes. Managers and admins rename themes, merge one into another and undo
//! either; the names apply desk-wide. Agents see the themes of their own answers and may
//! change nothing (their POSTs are "not found"). Each form: token first, 303 back to the
//! page, bad input on the page again with 422.

use super::access::visibility;
use super::form_fields::Fields;
use super::insight_common::DAY;
use super::layout::{faces, page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::charts::palette;
use crate::error::ApiError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rapport_domain::stats::{is_small_sample, Proportion};
use rapport_domain::text::clean;
use rapport_domain::themes::{find_themes, Comment, Theme, MAX_LABEL_CHARS};
use rapport_domain::time::{from_millis, Millis};
use rapport_store::insight::{self, CommentQuery, Quote};
use rapport_store::rollups::Filter;
use rapport_store::staff_views::{Named, NamedKind};
use rapport_store::themes::{self as names_store, NameRecord};
use rapport_store::visibility::Visibility;
use rapport_store::{StaffRole, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

/// Comments read per page: the most recent of the period.
pub(crate) const COMMENT_LIMIT: usize = 5_000;
/// Themes listed; smaller ones are counted in a sentence.
const MAX_THEMES: usize = 40;
const EXAMPLES: usize = 3;
const QUOTE_CHARS: usize = 240;
const DEFAULT_MIN: usize = 3;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/insight/themes", get(show))
        .route("/insight/themes/rename", post(rename))
        .route("/insight/themes/merge", post(merge))
        .route("/insight/themes/reset", post(reset))
}

/// The page's filters, as on the dashboard, and the smallest theme shown.
#[derive(Deserialize, Default, Clone)]
pub struct ThemesQuery {
    period: Option<String>,
    team: Option<String>,
    agent: Option<String>,
    organization: Option<String>,
    category: Option<String>,
    channel: Option<String>,
    min: Option<String>,
    saved: Option<String>,
}

fn some(raw: &Option<String>) -> Option<String> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl ThemesQuery {
    fn from_fields(fields: &Fields) -> ThemesQuery {
        let get = |name: &str| Some(fields.get(name)).filter(|v| !v.is_empty());
        ThemesQuery {
            period: get("period"),
            team: get("team"),
            agent: get("agent"),
            organization: get("organization"),
            category: get("category"),
            channel: get("channel"),
            min: get("min"),
            saved: None,
        }
    }

    fn filter(&self) -> Filter {
        Filter {
            team_id: some(&self.team).and_then(|s| s.parse().ok()),
            agent_id: some(&self.agent).and_then(|s| s.parse().ok()),
            category: some(&self.category),
            organization_id: some(&self.organization).and_then(|s| s.parse().ok()),
            channel: some(&self.channel),
        }
    }

    fn by_year(&self) -> bool {
        self.period.as_deref() == Some("year")
    }

    fn min(&self) -> usize {
        some(&self.min).and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_MIN).clamp(1, 100)
    }

    /// The filters worth repeating in a link or a form, in a fixed order.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("period", &self.period),
            ("team", &self.team),
            ("agent", &self.agent),
            ("organization", &self.organization),
            ("category", &self.category),
            ("channel", &self.channel),
            ("min", &self.min),
        ]
        .into_iter()
        .filter_map(|(name, value)| some(value).map(|v| (name, v)))
        .collect()
    }

    /// The answers page with the same filters, from the period's first day.
    fn answers_link(&self, from: Millis) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in
            self.pairs().into_iter().filter(|(n, _)| ["team", "agent", "organization", "category"].contains(n))
        {
            out.append_pair(name, &value);
        }
        out.append_pair("since", &date(from));
        format!("/answers?{}", out.finish())
    }

    fn encoded(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs() {
            out.append_pair(name, &value);
        }
        out.finish()
    }
}

/// The period's bounds in milliseconds: the last 12 weeks, or 12 months, up to today.
fn period(state: &AppState, by_year: bool) -> (Millis, Millis) {
    let to = state.clock.now().div_euclid(DAY) + 1;
    let from = to - if by_year { 365 } else { 84 };
    (from * DAY, to * DAY)
}

struct Loaded {
    themes: Vec<Theme>,
    quotes: Vec<Quote>,
    records: Vec<NameRecord>,
}

async fn load(
    state: &AppState,
    filter: Filter,
    vis: Visibility,
    from: Millis,
    to: Millis,
    min_comments: usize,
) -> Result<Loaded, ApiError> {
    let (records, quotes) = state
        .store
        .read(move |conn| {
            let records = names_store::records(conn)?;
            let quotes = insight::comments(conn, &filter, &vis, from, to, CommentQuery::all(COMMENT_LIMIT))?;
            Ok((records, quotes))
        })
        .await?;
    // Thousands of comments are a few hundred milliseconds of work: off the async threads.
    let names = names_store::to_names(&records);
    let (themes, quotes) = tokio::task::spawn_blocking(move || {
        let themes = {
            let comments: Vec<Comment> = quotes
                .iter()
                .map(|q| Comment { id: q.response_id, text: &q.comment, csat: q.csat, language: q.language.as_deref() })
                .collect();
            find_themes(&comments, &names, min_comments)
        };
        (themes, quotes)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Loaded { themes, quotes, records })
}

/// The comment themes of a period for other pages (coaching, reports): names and comments
/// read together, grouped with the desk's names and merges.
pub(crate) async fn load_themes(
    state: &AppState,
    filter: Filter,
    visibility: Visibility,
    from: Millis,
    to: Millis,
    min_comments: usize,
) -> Result<Vec<Theme>, ApiError> {
    Ok(load(state, filter, visibility, from, to, min_comments).await?.themes)
}

pub struct Example {
    pub ticket_id: i64,
    pub ticket: String,
    pub face: &'static str,
    pub csat: i64,
    pub who: String,
    pub text: String,
    pub when: String,
}

pub struct ThemeRow {
    pub key: String,
    pub label: String,
    pub automatic_label: String,
    pub renamed: bool,
    pub n: u64,
    pub few: bool,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    pub negative_share: String,
    pub bar: String,
    /// Keys merged into this theme: (key, wording).
    pub merged: Vec<(String, String)>,
    pub changed: Option<String>,
    pub examples: Vec<Example>,
    /// The answers page narrowed to comments with the theme's wording (none for negated themes,
    /// whose wording varies).
    pub answers: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/themes.html")]
struct ThemesPage {
    frame: Frame,
    q: ThemesQuery,
    hidden: Vec<(&'static str, String)>,
    period: &'static str,
    min: usize,
    rows: Vec<ThemeRow>,
    /// Every listed theme, for the merge choices: (key, label).
    choices: Vec<(String, String)>,
    more: usize,
    answers_link: String,
    read: usize,
    limited: bool,
    in_themes: usize,
    can_edit: bool,
    saved: Option<&'static str>,
    errors: Vec<String>,
    teams: Vec<Named>,
    agents: Vec<Named>,
    organizations: Vec<Named>,
}

fn may_edit(staff: &Staff) -> bool {
    matches!(staff.user.role, StaffRole::Manager | StaffRole::Admin)
}

/// The page, with `errors` from a refused form (then with 422).
async fn render(state: &AppState, staff: &Staff, q: ThemesQuery, errors: Vec<String>) -> Result<Response, ApiError> {
    let (from, to) = period(state, q.by_year());
    let vis = visibility(&staff.user);
    let min = q.min();
    let loaded = load(state, q.filter(), vis.clone(), from, to, min).await?;
    let teams = state.store.named_for(vis.clone(), NamedKind::Teams).await?;
    let agents = state.store.named_for(vis.clone(), NamedKind::Agents).await?;
    let organizations = state.store.named_for(vis, NamedKind::Organizations).await?;

    let quotes: HashMap<i64, &Quote> = loaded.quotes.iter().map(|q| (q.response_id, q)).collect();
    let records: HashMap<&str, &NameRecord> = loaded.records.iter().map(|r| (r.key.as_str(), r)).collect();
    let mut in_themes: Vec<i64> = loaded.themes.iter().flat_map(|t| t.comment_ids.iter().copied()).collect();
    in_themes.sort_unstable();
    in_themes.dedup();
    let mut rows: Vec<ThemeRow> =
        loaded.themes.iter().take(MAX_THEMES).map(|t| row(t, &quotes, records.get(t.key.as_str()).copied())).collect();
    let answers_link = q.answers_link(from);
    for (row, theme) in rows.iter_mut().zip(&loaded.themes) {
        let wording = theme.keys.first().zip(theme.wordings.first());
        if let Some((_, wording)) = wording.filter(|(key, _)| !key.starts_with(rapport_domain::themes::NEGATED)) {
            let text: String = form_urlencoded::byte_serialize(wording.as_bytes()).collect();
            row.answers = Some(format!("{answers_link}&text={text}"));
        }
    }
    let choices = rows.iter().map(|r| (r.key.clone(), r.label.clone())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let saved = match q.saved.as_deref() {
        Some("renamed") => Some("The theme was renamed."),
        Some("merged") => Some("The themes were merged."),
        Some("reset") => Some("The change was undone."),
        _ => None,
    };
    let mut response = page(ThemesPage {
        frame: Frame::new(staff, "Comment themes", "dashboard").with_counts(state, staff).await?,
        hidden: q.pairs(),
        period: if q.by_year() { "year" } else { "quarter" },
        min,
        more: loaded.themes.len().saturating_sub(MAX_THEMES),
        answers_link,
        read: loaded.quotes.len(),
        limited: loaded.quotes.len() >= COMMENT_LIMIT,
        in_themes: in_themes.len(),
        can_edit: may_edit(staff),
        saved,
        errors,
        rows,
        choices,
        q,
        teams,
        agents,
        organizations,
    });
    *response.status_mut() = status;
    Ok(response)
}

async fn show(State(state): State<AppState>, staff: Staff, Query(q): Query<ThemesQuery>) -> Result<Response, ApiError> {
    render(&state, &staff, q, Vec::new()).await
}

fn row(theme: &Theme, quotes: &HashMap<i64, &Quote>, record: Option<&NameRecord>) -> ThemeRow {
    let share = theme.negative_share();
    let changed = record.filter(|r| r.label.is_some()).map(|r| {
        let by = r.updated_by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default();
        format!("Named{by} on {}", date(r.updated_at))
    });
    ThemeRow {
        key: theme.key.clone(),
        label: theme.label.clone(),
        automatic_label: theme.automatic_label.clone(),
        renamed: theme.renamed,
        n: theme.n(),
        few: is_small_sample(theme.n()),
        positive: theme.positive,
        neutral: theme.neutral,
        negative: theme.negative,
        negative_share: share_words(&share),
        bar: sentiment_bar(theme.positive, theme.neutral, theme.negative),
        merged: theme.keys.iter().zip(&theme.wordings).skip(1).map(|(k, w)| (k.clone(), w.clone())).collect(),
        changed,
        examples: examples(theme, quotes),
        answers: None,
    }
}

fn date(ms: Millis) -> String {
    from_millis(ms).format("%Y-%m-%d").to_string()
}

/// "40 % negative (12–74 %)".
fn share_words(share: &Proportion) -> String {
    match (share.value, share.low, share.high) {
        (Some(v), Some(low), Some(high)) => {
            format!("{:.0} % negative ({:.0}–{:.0} %)", v * 100.0, low * 100.0, high * 100.0)
        }
        _ => "–".into(),
    }
}

/// Up to three quotes, newest first, with an unhappy and a happy one when there are.
fn examples(theme: &Theme, quotes: &HashMap<i64, &Quote>) -> Vec<Example> {
    let found: Vec<&Quote> = theme.comment_ids.iter().filter_map(|id| quotes.get(id).copied()).collect();
    let mut picked: Vec<usize> = Vec::new();
    for wanted in [1..=2, 4..=5] {
        if let Some(i) = found.iter().position(|q| wanted.contains(&q.csat)) {
            picked.push(i);
        }
    }
    for i in 0..found.len() {
        if picked.len() >= EXAMPLES {
            break;
        }
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
    picked
        .into_iter()
        .map(|i| {
            let q = found[i];
            let mut text: String = q.comment.chars().take(QUOTE_CHARS).collect();
            if q.comment.chars().count() > QUOTE_CHARS {
                text.push('…');
            }
            let who = q.customer_name.as_deref().and_then(|n| n.split_whitespace().next()).unwrap_or("A customer");
            Example {
                ticket_id: q.ticket_id,
                ticket: q.ticket_external_id.clone(),
                face: faces(q.csat),
                csat: q.csat,
                who: who.to_string(),
                text,
                when: date(q.answered_at),
            }
        })
        .collect()
}

/// A small stacked bar: positive, neutral, negative (the counts are written beside it, so
/// colour is never the only cue).
fn sentiment_bar(positive: u64, neutral: u64, negative: u64) -> String {
    const WIDTH: f64 = 160.0;
    let total = (positive + neutral + negative).max(1) as f64;
    let mut x = 0.0;
    let mut rects = String::new();
    for (count, colour) in [(positive, palette::BLUE), (neutral, "#8a8a8a"), (negative, palette::VERMILLION)] {
        let width = WIDTH * count as f64 / total;
        if width > 0.0 {
            rects.push_str(&format!(r#"<rect x="{x:.1}" y="0" width="{width:.1}" height="12" fill="{colour}"/>"#));
        }
        x += width;
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="160" height="12" viewBox="0 0 160 12" role="img" aria-label="{positive} positive, {neutral} neutral, {negative} negative">{rects}</svg>"#
    )
}

/// Agents are told the forms do not exist; everyone else needs the form token.
fn guard(staff: &Staff, fields: &Fields) -> Result<(), ApiError> {
    if !may_edit(staff) {
        return Err(ApiError::NotFound);
    }
    staff.check_csrf(&fields.get("csrf"))
}

/// Keys the viewer can name: those of the themes on their page, and those already named.
async fn known_keys(state: &AppState, staff: &Staff, q: &ThemesQuery) -> Result<Vec<String>, ApiError> {
    let (from, to) = period(state, q.by_year());
    let loaded = load(state, q.filter(), visibility(&staff.user), from, to, q.min()).await?;
    let mut keys: Vec<String> = loaded.themes.into_iter().flat_map(|t| t.keys).collect();
    keys.extend(loaded.records.into_iter().map(|r| r.key));
    Ok(keys)
}

const UNKNOWN: &str = "That theme is not on this page any more; reload the page and try again.";

fn back(q: &ThemesQuery, saved: &str) -> Response {
    let query = q.encoded();
    let separator = if query.is_empty() { "" } else { "&" };
    (StatusCode::SEE_OTHER, [(LOCATION, format!("/insight/themes?{query}{separator}saved={saved}"))]).into_response()
}

/// After a write: back to the page, or the page with the refusal's reason.
async fn finish(
    state: &AppState,
    staff: &Staff,
    q: ThemesQuery,
    written: rapport_store::Result<()>,
    saved: &str,
) -> Result<Response, ApiError> {
    match written {
        Ok(()) => Ok(back(&q, saved)),
        Err(StoreError::Conflict(reason)) => render(state, staff, q, vec![sentence(&reason)]).await,
        Err(e) => Err(e.into()),
    }
}

fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str().trim_end_matches('.')),
        None => String::new(),
    }
}

async fn rename(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    guard(&staff, &fields)?;
    let q = ThemesQuery::from_fields(&fields);
    let key = fields.get("key");
    let label = clean(&fields.get("label"), false);
    let mut errors = Vec::new();
    match &label {
        None => errors.push("Give the theme a name.".to_string()),
        Some(l) if l.chars().count() > MAX_LABEL_CHARS => {
            errors.push(format!("Keep the theme's name to {MAX_LABEL_CHARS} characters or fewer."))
        }
        _ => {}
    }
    if !known_keys(&state, &staff, &q).await?.contains(&key) {
        errors.push(UNKNOWN.to_string());
    }
    let (Some(label), true) = (label, errors.is_empty()) else {
        return render(&state, &staff, q, errors).await;
    };
    let (user, now) = (staff.user.id, state.clock.now());
    let written = state.store.write(move |conn| names_store::rename(conn, &key, &label, user, now)).await;
    finish(&state, &staff, q, written, "renamed").await
}

async fn merge(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    guard(&staff, &fields)?;
    let q = ThemesQuery::from_fields(&fields);
    let (from_key, into_key) = (fields.get("key"), fields.get("into"));
    let known = known_keys(&state, &staff, &q).await?;
    let mut errors = Vec::new();
    if into_key.is_empty() {
        errors.push("Choose the theme to merge it into.".to_string());
    } else if from_key == into_key {
        errors.push("A theme cannot be merged into itself.".to_string());
    } else if !known.contains(&from_key) || !known.contains(&into_key) {
        errors.push(UNKNOWN.to_string());
    }
    if !errors.is_empty() {
        return render(&state, &staff, q, errors).await;
    }
    let (user, now) = (staff.user.id, state.clock.now());
    let written =
        state.store.write(move |conn| names_store::merge(conn, &from_key, &into_key, user, now).map(drop)).await;
    finish(&state, &staff, q, written, "merged").await
}

async fn reset(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let fields = Fields::parse(&body);
    guard(&staff, &fields)?;
    let q = ThemesQuery::from_fields(&fields);
    let key = fields.get("key");
    if !known_keys(&state, &staff, &q).await?.contains(&key) {
        return render(&state, &staff, q, vec![UNKNOWN.to_string()]).await;
    }
    let (user, now) = (staff.user.id, state.clock.now());
    let written = state.store.write(move |conn| names_store::reset(conn, &key, user, now).map(drop)).await;
    finish(&state, &staff, q, written, "reset").await
}
