//! `GET /api/v1/responses`: answers, attributed as when each survey was sent.

use super::ApiCaller;
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use rapport_domain::time::{parse_instant, rfc3339};
use rapport_domain::Scope;
use rapport_store::responses::ResponseFilter;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/responses", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    since: Option<String>,
    until: Option<String>,
    ticket: Option<i64>,
    after_id: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Read)?;
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let instant = |field: &str, raw: &Option<String>| -> Result<Option<i64>, ApiError> {
        raw.as_deref()
            .map(|r| parse_instant(r).ok_or_else(|| ApiError::invalid(field, "is not a timestamp (RFC 3339)")))
            .transpose()
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let filter = ResponseFilter {
        since: instant("since", &q.since)?,
        until: instant("until", &q.until)?,
        ticket_id: q.ticket,
        after_id: q.after_id,
        limit,
    };
    let responses = state.store.responses(filter).await?;
    let next_after_id = (responses.len() as i64 == limit).then(|| responses.last().map(|r| r.id)).flatten();
    let items: Vec<Value> = responses
        .iter()
        .map(|r| {
            let mut item = serde_json::to_value(r).unwrap_or_default();
            item["first_answered_at"] = rfc3339(r.first_answered_at).into();
            item["updated_at"] = rfc3339(r.updated_at).into();
            item
        })
        .collect();
    Ok(Json(json!({ "responses": items, "next_after_id": next_after_id })))
}
