//! The answer page: a smiley link opens it with that face chosen. Opening it records
//! nothing (mail scanners fetch every link); a browser that keeps it open a few seconds
//! records the face by itself (`answer.js`), and without JavaScript one press of Send
//! does. The customer may change the answer and add a comment for a while.

use super::{render, CspNonce, MessagePage};
use crate::app::AppState;
use crate::error::ApiError;
use crate::group_commit::GroupCommit;
use crate::i18n::Catalog;
use crate::survey_email::faces;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::{Json, Router};
use rapport_domain::survey::{AnswerInput, CsatScale};
use rapport_domain::time::{from_millis, Millis};
use rapport_domain::token::hash_secret;
use rapport_store::invitations::{self, OpenInvitation};
use rapport_store::responses::{answer_with_token, SaveOutcome};
use rapport_store::settings::{setting, DEFAULT_LANGUAGE, DESK_NAME};
use serde::Deserialize;
use serde_json::json;

/// Answers are written with group commit: many customers' answers, one disk sync.
pub type AnswerQueue = GroupCommit<AnswerRequest, SaveOutcome>;

/// An answer as it was posted: the writer looks its token up and checks it against the
/// survey, in the transaction that saves it (no read of its own on the request's path).
pub struct AnswerRequest {
    token_hash: String,
    input: AnswerInput,
    now: Millis,
}

pub fn answer_queue(store: rapport_store::Store) -> AnswerQueue {
    GroupCommit::start(store, |conn, request, rollups| {
        answer_with_token(conn, &request.token_hash, &request.input, request.now, rollups)
    })
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(show).post(answer))
        .route("/s/{token}/opt-out", get(opt_out_page).post(opt_out))
}

#[derive(Deserialize)]
struct ShowQuery {
    score: Option<String>,
}

pub struct Choice {
    pub value: u8,
    pub emoji: &'static str,
    pub label: String,
    pub checked: bool,
}

pub struct ReasonOption {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "answer/page.html")]
struct AnswerPage {
    logo: bool,
    nonce: String,
    lang: String,
    desk: String,
    t: Texts,
    token: String,
    ticket_line: String,
    question: String,
    choices: Vec<Choice>,
    nps: Option<Vec<(u8, bool)>>,
    effort: Option<Vec<(u8, bool)>>,
    ask_comment: bool,
    comment: String,
    positive: Vec<ReasonOption>,
    negative: Vec<ReasonOption>,
    /// Record the preselected face by itself after a few seconds (no answer yet).
    auto_record: bool,
    notice: Option<String>,
    errors: Vec<String>,
    change_until: Option<String>,
}

#[derive(Template)]
#[template(path = "answer/optout.html")]
struct OptOutPage {
    logo: bool,
    lang: String,
    desk: String,
    title: String,
    question: String,
    button: String,
    done: Option<String>,
    token: String,
}

/// The page's words in the customer's language.
struct Texts(String);

impl Texts {
    fn get(&self, key: &str) -> String {
        Catalog::global().text(&self.0, key, &[])
    }
}

struct Desk {
    name: String,
    default_language: String,
    logo: bool,
}

/// The desk's settings and the token's invitation, in one trip to the database: this is
/// on every answer's path.
async fn load(state: &AppState, token: Option<&str>) -> Result<(Desk, Option<OpenInvitation>), ApiError> {
    let hash = token.map(hash_secret);
    let (name, default_language, logo, invitation) = state
        .store
        .read_quick(move |conn| {
            let invitation = match &hash {
                Some(hash) => invitations::invitation_by_token(conn, hash)?,
                None => None,
            };
            Ok((
                setting(conn, DESK_NAME)?,
                setting(conn, DEFAULT_LANGUAGE)?,
                setting(conn, crate::staff::LOGO_SETTING)?,
                invitation,
            ))
        })
        .await?;
    let desk = Desk {
        name: name.unwrap_or_else(|| "Service Desk".into()),
        default_language: default_language.unwrap_or_else(|| "en".into()),
        logo: logo.is_some() || !state.config.logo_file.trim().is_empty(),
    };
    Ok((desk, invitation))
}

/// An unknown token and an ended survey get the same page and status, in the
/// browser's language, so a token cannot be probed.
fn closed(desk: &Desk, headers: &HeaderMap, locked: bool) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let catalog = Catalog::global();
    let lang = catalog.negotiate(accept, &desk.default_language).to_string();
    let body_key = if locked { "page.locked_body" } else { "page.closed_body" };
    let page = MessagePage {
        title: catalog.text(&lang, "page.closed_title", &[]),
        body: catalog.text(&lang, body_key, &[]),
        desk: desk.name.clone(),
        logo: desk.logo,
        lang,
    };
    render(if locked { StatusCode::OK } else { StatusCode::NOT_FOUND }, page)
}

fn locked(invitation: &OpenInvitation, now: Millis) -> bool {
    let window = i64::from(invitation.policy.change_window_hours) * 3_600_000;
    invitation.response.as_ref().is_some_and(|r| now > r.first_answered_at + window)
}

fn format_date(ms: Millis) -> String {
    from_millis(ms).format("%Y-%m-%d %H:%M UTC").to_string()
}

/// GET and HEAD: show the page; never record anything.
async fn show(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    Path(token): Path<String>,
    Query(query): Query<ShowQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (desk, invitation) = load(&state, Some(&token)).await?;
    let now = state.clock.now();
    let Some(invitation) = invitation.filter(|i| i.is_open(now)) else {
        return Ok(closed(&desk, &headers, false));
    };
    if locked(&invitation, now) {
        return Ok(closed(&desk, &headers, true));
    }
    let chosen = query
        .score
        .as_deref()
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|s| (1..=invitation.policy.scale.points()).contains(s));
    let mut page = answer_page(&desk, &invitation, &token, chosen, None, Vec::new());
    page.nonce = nonce.0;
    Ok(render(StatusCode::OK, page))
}

fn answer_page(
    desk: &Desk,
    invitation: &OpenInvitation,
    token: &str,
    chosen: Option<u8>,
    notice: Option<String>,
    errors: Vec<String>,
) -> AnswerPage {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(invitation.customer_language.as_deref(), &desk.default_language).to_string();
    let t = Texts(lang.clone());
    let policy = &invitation.policy;
    let scale = policy.scale;
    let response = invitation.response.as_ref();
    let current = chosen.or_else(|| response.map(|r| scale.from_five(r.csat as u8)));
    let scale_key = if scale == CsatScale::Five { "scale5" } else { "scale3" };
    let choices = faces(scale)
        .iter()
        .enumerate()
        .map(|(i, emoji)| {
            let value = i as u8 + 1;
            Choice { value, emoji, label: t.get(&format!("{scale_key}.{value}")), checked: current == Some(value) }
        })
        .collect();
    let picked: Vec<String> = response.map(|r| r.reasons.clone()).unwrap_or_default();
    let reasons = |codes: &[String]| -> Vec<ReasonOption> {
        codes
            .iter()
            .map(|code| ReasonOption {
                label: if code.starts_with("reason.") { t.get(code) } else { code.clone() },
                checked: picked.contains(code),
                code: code.clone(),
            })
            .collect()
    };
    let scale_of = |range: std::ops::RangeInclusive<u8>, current: Option<i64>| {
        range.map(|v| (v, current == Some(i64::from(v)))).collect::<Vec<_>>()
    };
    let window = i64::from(policy.change_window_hours) * 3_600_000;
    // A visit card asks one question (and takes a comment): the visit, nothing else.
    let visit = invitation.channel == rapport_store::visits::VISIT_CARD_CHANNEL;
    AnswerPage {
        question: t.get(if visit { "page.visit_question" } else { "page.question" }),
        nonce: String::new(),
        desk: desk.name.clone(),
        logo: desk.logo,
        token: token.to_string(),
        ticket_line: catalog.text(
            &lang,
            "page.ticket",
            &[
                ("ticket", &invitation.ticket_external_id),
                ("title", invitation.ticket_title.as_deref().unwrap_or_default()),
            ],
        ),
        choices,
        nps: (policy.ask_nps && !visit).then(|| scale_of(0..=10, response.and_then(|r| r.nps))),
        effort: (policy.ask_effort && !visit).then(|| scale_of(1..=7, response.and_then(|r| r.effort))),
        ask_comment: policy.ask_comment,
        comment: response.and_then(|r| r.comment.clone()).unwrap_or_default(),
        positive: if visit { Vec::new() } else { reasons(&policy.reasons_positive) },
        negative: if visit { Vec::new() } else { reasons(&policy.reasons_negative) },
        auto_record: response.is_none() && chosen.is_some(),
        notice,
        errors,
        change_until: response
            .map(|r| catalog.text(&lang, "page.change_until", &[("date", &format_date(r.first_answered_at + window))])),
        t,
        lang,
    }
}

/// Form fields; `reasons` repeats, which the plain form extractor cannot read.
fn parse_form(body: &[u8]) -> AnswerInput {
    let mut input = AnswerInput::default();
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "score" => input.score = Some(value),
            "nps" => input.nps = Some(value),
            "effort" => input.effort = Some(value),
            "comment" => input.comment = Some(value),
            "reasons" => input.reasons.push(value),
            _ => {}
        }
    }
    input
}

/// POST: record or change the answer. `answer.js` asks for JSON and gets it straight from
/// the write; the plain form gets the page again, with a thank-you or what to correct.
async fn answer(
    State(state): State<AppState>,
    Extension(nonce): Extension<CspNonce>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    let input = parse_form(&body);
    // What the form page shows again when the answer needs correcting.
    let typed = (!wants_json).then(|| (input.score.clone(), input.comment.clone()));
    let request = AnswerRequest { token_hash: hash_secret(&token), input, now: state.clock.now() };
    let outcome = state.answers.submit(request).await?;
    let Some((score, comment)) = typed else {
        return Ok(match outcome {
            SaveOutcome::Saved { first, change_until, .. } => {
                Json(json!({ "saved": true, "first": first, "change_until": format_date(change_until) }))
                    .into_response()
            }
            SaveOutcome::Locked => ApiError::Conflict("the answer can no longer be changed".into()).into_response(),
            SaveOutcome::Closed => ApiError::NotFound.into_response(),
            SaveOutcome::Invalid(errors) => ApiError::Invalid(errors).into_response(),
        });
    };
    let (desk, invitation) = load(&state, Some(&token)).await?;
    let (outcome, invitation) = match (outcome, invitation) {
        (SaveOutcome::Locked, _) => return Ok(closed(&desk, &headers, true)),
        (SaveOutcome::Closed, _) | (_, None) => return Ok(closed(&desk, &headers, false)),
        (outcome, Some(invitation)) => (outcome, invitation),
    };
    let catalog = Catalog::global();
    let lang = catalog.negotiate(invitation.customer_language.as_deref(), &desk.default_language).to_string();
    let mut page = match outcome {
        SaveOutcome::Invalid(errors) => {
            let messages = errors
                .iter()
                .map(|e| match e.field.as_str() {
                    "score" => catalog.text(&lang, "page.choose_rating", &[]),
                    "comment" => catalog.text(&lang, "page.comment_too_long", &[]),
                    _ => format!("{}: {}", e.field, e.message),
                })
                .collect();
            let chosen = score.as_deref().and_then(|s| s.parse().ok());
            let mut page = answer_page(&desk, &invitation, &token, chosen, None, messages);
            page.comment = comment.unwrap_or_default();
            page
        }
        outcome => {
            let first = matches!(outcome, SaveOutcome::Saved { first: true, .. });
            let notice = catalog.text(&lang, if first { "page.saved" } else { "page.saved_comment" }, &[]);
            answer_page(&desk, &invitation, &token, None, Some(notice), Vec::new())
        }
    };
    page.auto_record = false;
    page.nonce = nonce.0;
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, page))
}

async fn opt_out_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (desk, invitation) = load(&state, Some(&token)).await?;
    let Some(invitation) = invitation else { return Ok(closed(&desk, &headers, false)) };
    Ok(render(StatusCode::OK, opt_out_view(&desk, &invitation, &token, false)))
}

fn opt_out_view(desk: &Desk, invitation: &OpenInvitation, token: &str, done: bool) -> OptOutPage {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(invitation.customer_language.as_deref(), &desk.default_language).to_string();
    OptOutPage {
        title: catalog.text(&lang, "page.optout_title", &[]),
        question: catalog.text(&lang, "page.optout_question", &[("desk", &desk.name)]),
        button: catalog.text(&lang, "page.optout_button", &[]),
        done: done.then(|| catalog.text(&lang, "page.optout_done", &[])),
        desk: desk.name.clone(),
        logo: desk.logo,
        token: token.to_string(),
        lang,
    }
}

/// One-click unsubscribe (RFC 8058: mail clients POST `List-Unsubscribe=One-Click`),
/// and the page's own button. Opting out works for as long as the link is known.
async fn opt_out(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (desk, invitation) = load(&state, Some(&token)).await?;
    let Some(invitation) = invitation else { return Ok(closed(&desk, &headers, false)) };
    let customer = invitation.customer_id;
    let now = state.clock.now();
    state.store.write(move |conn| invitations::opt_out(conn, customer, now)).await?;
    Ok(render(StatusCode::OK, opt_out_view(&desk, &invitation, &token, true)))
}
