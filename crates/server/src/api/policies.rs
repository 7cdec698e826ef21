//! `/api/v1/survey-policies`: when and whom to ask (admin scope).

use super::{ApiCaller, ApiJson};
use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rapport_domain::survey::{PolicyInput, SurveyPolicy};
use rapport_domain::Scope;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/survey-policies", get(list).post(create))
        .route("/api/v1/survey-policies/{id}", get(one).put(update).delete(remove))
}

fn policy_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

async fn list(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Admin)?;
    Ok(Json(json!({ "policies": state.store.policies().await? })))
}

async fn one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SurveyPolicy>, ApiError> {
    caller.require(Scope::Admin)?;
    Ok(Json(state.store.policy(policy_id(&id)?).await?))
}

async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<PolicyInput>,
) -> Result<(StatusCode, Json<SurveyPolicy>), ApiError> {
    caller.require(Scope::Admin)?;
    let base = SurveyPolicy { is_default: false, name: "New policy".into(), ..SurveyPolicy::default_policy() };
    let policy = input.apply_to(&base).map_err(ApiError::Invalid)?;
    let created = state.store.create_policy(policy, state.clock.now()).await?;
    audit(&state, &caller, "policy_created", &created).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PolicyInput>,
) -> Result<Json<SurveyPolicy>, ApiError> {
    caller.require(Scope::Admin)?;
    let current = state.store.policy(policy_id(&id)?).await?;
    let policy = input.apply_to(&current).map_err(ApiError::Invalid)?;
    let updated = state.store.update_policy(policy, state.clock.now()).await?;
    audit(&state, &caller, "policy_changed", &updated).await?;
    Ok(Json(updated))
}

async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Scope::Admin)?;
    let id = policy_id(&id)?;
    state.store.delete_policy(id, state.clock.now()).await?;
    let actor = format!("token:{}", caller.0.name);
    state.store.audit(&actor, "policy_deleted", &format!("policy {id}"), "", state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Settings changes are audited with the policy as it now stands.
async fn audit(state: &AppState, caller: &ApiCaller, action: &str, policy: &SurveyPolicy) -> Result<(), ApiError> {
    let actor = format!("token:{}", caller.0.name);
    let detail = serde_json::to_string(policy).unwrap_or_default();
    let subject = format!("policy {} \"{}\"", policy.id, policy.name);
    Ok(state.store.audit(&actor, action, &subject, &detail, state.clock.now()).await?)
}
