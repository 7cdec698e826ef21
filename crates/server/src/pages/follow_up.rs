//! The customer's side of a follow-up, reached from its email by an unguessable link:
//! the check-in reply ("All good" / "I need help") and the recovery survey (one question).
//! Opening a link records nothing (mail scanners open them); one press of a button does.

use super::{render, MessagePage};
use crate::app::AppState;
use crate::desk::Desk;
use crate::error::ApiError;
use crate::followup_mail;
use crate::i18n::Catalog;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rapport_domain::token::hash_secret;
use rapport_store::followups::{self, FollowUp};
use rapport_webhooks::AlertKind;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/f/{token}", get(show).post(answer))
}

#[derive(Deserialize, Default)]
struct ShowQuery {
    reply: Option<String>,
    score: Option<String>,
}

#[derive(Template)]
#[template(path = "answer/follow_up.html")]
struct FollowUpPage {
    logo: bool,
    lang: String,
    desk: String,
    title: String,
    token: String,
    question: String,
    /// (value, label, chosen): the buttons to press.
    choices: Vec<(String, String, bool)>,
    field: &'static str,
    send: String,
    done: Option<String>,
}

async fn load(state: &AppState, token: &str) -> Result<(Desk, bool, Option<(FollowUp, String)>), ApiError> {
    let hash = hash_secret(token);
    let logo_file = !state.config.logo_file.trim().is_empty();
    Ok(state
        .store
        .read(move |conn| {
            let logo = rapport_store::settings::setting(conn, crate::staff::LOGO_SETTING)?.is_some();
            Ok((Desk::load(conn)?, logo || logo_file, followups::by_token(conn, &hash)?))
        })
        .await?)
}

fn closed(desk: &Desk, logo: bool, headers: &HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let catalog = Catalog::global();
    let lang = catalog.negotiate(accept, &desk.default_language).to_string();
    let page = MessagePage {
        title: catalog.text(&lang, "page.closed_title", &[]),
        body: catalog.text(&lang, "followup.link_closed", &[]),
        desk: desk.name.clone(),
        logo,
        lang,
    };
    render(StatusCode::NOT_FOUND, page)
}

fn page(desk: &Desk, logo: bool, f: &FollowUp, purpose: &str, token: &str, chosen: Option<&str>) -> FollowUpPage {
    let catalog = Catalog::global();
    let lang = catalog.negotiate(f.customer_language.as_deref(), &desk.default_language).to_string();
    let t = |key: &str, args: &[(&str, &str)]| catalog.text(&lang, key, args);
    let (question, choices, field, done) = if purpose == "check_in" {
        let choices = ["all_good", "need_help"]
            .map(|v| (v.to_string(), t(&format!("followup.{v}"), &[]), chosen == Some(v)))
            .to_vec();
        let done = f
            .customer_reply
            .as_deref()
            .map(|r| t(if r == "need_help" { "followup.help_thanks" } else { "followup.checkin_thanks" }, &[]));
        (f.message.clone().unwrap_or_default(), choices, "reply", done)
    } else {
        let faces = crate::survey_email::faces(rapport_domain::survey::CsatScale::Five);
        let choices = (1..=5)
            .rev()
            .map(|s: usize| {
                let value = s.to_string();
                let label = format!("{} {}", faces[s - 1], t(&format!("scale5.{s}"), &[]));
                let checked = chosen == Some(value.as_str());
                (value, label, checked)
            })
            .collect();
        let done = f.recovery_score.map(|_| t("followup.recovery_thanks", &[]));
        let question = t("followup.recovery_question", &[("ticket", &f.ticket_external_id)]);
        (question, choices, "score", done)
    };
    FollowUpPage {
        logo,
        desk: desk.name.clone(),
        title: t("followup.page_title", &[]),
        token: token.to_string(),
        question,
        choices,
        field,
        send: t("followup.send", &[]),
        done,
        lang,
    }
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<ShowQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (desk, logo, found) = load(&state, &token).await?;
    let Some((f, purpose)) = found else { return Ok(closed(&desk, logo, &headers)) };
    let chosen = query.reply.as_deref().or(query.score.as_deref());
    Ok(render(StatusCode::OK, page(&desk, logo, &f, &purpose, &token, chosen)))
}

/// Records the press once; "I need help" opens a follow-up and alerts the agent at once.
async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (desk, logo, found) = load(&state, &token).await?;
    let Some((f, purpose)) = found else { return Ok(closed(&desk, logo, &headers)) };
    let value = form_urlencoded::parse(&body)
        .find(|(k, _)| k == if purpose == "check_in" { "reply" } else { "score" })
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let now = state.clock.now();
    let config = state.config.clone();
    let id = f.id;
    if purpose == "check_in" {
        let need_help = match value.as_str() {
            "need_help" => true,
            "all_good" => false,
            _ => return Err(ApiError::invalid("reply", "choose all_good or need_help")),
        };
        state
            .store
            .write(move |conn| {
                if let Some(help) = followups::check_in_reply(conn, id, need_help, now)? {
                    let desk = Desk::load(conn)?;
                    let owner = match (&help.owner_name, &help.owner_email) {
                        (Some(name), Some(email)) => vec![(name.clone(), email.clone())],
                        _ => Vec::new(),
                    };
                    followup_mail::alert(conn, &config, &desk, &help, AlertKind::HelpRequested, &owner, now)?;
                }
                Ok(())
            })
            .await?;
    } else {
        let score = value.parse::<u8>().ok().filter(|s| (1..=5).contains(s));
        let Some(score) = score else { return Err(ApiError::invalid("score", "choose a score from 1 to 5")) };
        state.store.write(move |conn| followups::recovery_answer(conn, id, score, now)).await?;
    }
    let (desk, logo, found) = load(&state, &token).await?;
    let Some((f, purpose)) = found else { return Ok(closed(&desk, logo, &headers)) };
    Ok(render(StatusCode::OK, page(&desk, logo, &f, &purpose, &token, Some(&value))))
}
