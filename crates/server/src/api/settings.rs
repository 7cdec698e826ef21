//! `/api/v1/settings`: the desk's name and default language (admin scope).

use super::{ApiCaller, ApiJson};
use crate::app::AppState;
use crate::error::ApiError;
use crate::i18n::Catalog;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use rapport_domain::event::FieldError;
use rapport_domain::Scope;
use rapport_store::settings::{DEFAULT_LANGUAGE, DESK_NAME};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/settings", get(show).put(change))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsInput {
    desk_name: Option<String>,
    default_language: Option<String>,
}

async fn current(state: &AppState) -> Result<Value, ApiError> {
    Ok(json!({
        "desk_name": state.store.setting(DESK_NAME).await?,
        "default_language": state.store.setting(DEFAULT_LANGUAGE).await?,
        "languages": Catalog::global().languages(),
    }))
}

async fn show(State(state): State<AppState>, caller: ApiCaller) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Admin)?;
    Ok(Json(current(&state).await?))
}

async fn change(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Admin)?;
    let mut errors = Vec::new();
    let name = input.desk_name.as_deref().map(|n| rapport_domain::text::clean_line(n, 100));
    if let Some(None) = name {
        errors.push(FieldError::new("desk_name", "must not be empty"));
    }
    let language = input.default_language.as_deref().map(|l| l.trim().to_ascii_lowercase());
    if let Some(language) = &language {
        if !Catalog::global().languages().contains(&language.as_str()) {
            let known = Catalog::global().languages().join(", ");
            errors.push(FieldError::new("default_language", format!("must be one of {known}")));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let actor = format!("token:{}", caller.0.name);
    let detail = format!("desk_name={:?} default_language={:?}", input.desk_name, input.default_language);
    state.store.audit(&actor, "settings_changed", "desk", &detail, state.clock.now()).await?;
    if let Some(Some(name)) = name {
        state.store.set_setting(DESK_NAME, name).await?;
    }
    if let Some(language) = language {
        state.store.set_setting(DEFAULT_LANGUAGE, language).await?;
    }
    Ok(Json(current(&state).await?))
}
