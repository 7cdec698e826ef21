//! `/api/v1/settings`: the desk's name, default language and how long ticket status pages
//! stay up after closing (admin scope).

use super::{ApiCaller, ApiJson};
use crate::app::AppState;
use crate::error::ApiError;
use crate::i18n::Catalog;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use rapport_domain::event::FieldError;
use rapport_domain::Scope;
use rapport_store::settings::{
    ALERT_ALLOWED_HOSTS, ALERT_SLACK_URL, ALERT_TEAMS_URL, DEFAULT_LANGUAGE, DESK_NAME, STATUS_PAGE_DAYS,
};
use rapport_webhooks::{check_url, OutboundPolicy};
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
    status_page_days: Option<i64>,
    /// Incoming-webhook URLs for follow-up alerts; "" removes one.
    alert_slack_url: Option<String>,
    alert_teams_url: Option<String>,
    /// Hosts on private networks an admin allows alerts to reach (exact names or addresses).
    alert_allowed_hosts: Option<Vec<String>>,
}

fn allowed_hosts(stored: Option<String>) -> Vec<String> {
    stored.unwrap_or_default().split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from).collect()
}

/// Days a status page stays up after its ticket closes, as set or by default.
pub async fn status_page_days(state: &AppState) -> Result<i64, ApiError> {
    let days = state.store.setting(STATUS_PAGE_DAYS).await?.and_then(|d| d.parse().ok());
    Ok(days.unwrap_or(crate::pages::DEFAULT_STATUS_PAGE_DAYS))
}

async fn current(state: &AppState) -> Result<Value, ApiError> {
    Ok(json!({
        "desk_name": state.store.setting(DESK_NAME).await?,
        "default_language": state.store.setting(DEFAULT_LANGUAGE).await?,
        "languages": Catalog::global().languages(),
        "status_page_days": status_page_days(state).await?,
        // Webhook URLs are secrets: only whether one is set.
        "alerts": {
            "slack": state.store.setting(ALERT_SLACK_URL).await?.is_some_and(|u| !u.is_empty()),
            "teams": state.store.setting(ALERT_TEAMS_URL).await?.is_some_and(|u| !u.is_empty()),
            "allowed_hosts": allowed_hosts(state.store.setting(ALERT_ALLOWED_HOSTS).await?),
        },
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
    if input.status_page_days.is_some_and(|d| !(1..=365).contains(&d)) {
        errors.push(FieldError::new("status_page_days", "must be between 1 and 365"));
    }
    let hosts = match &input.alert_allowed_hosts {
        Some(hosts) => hosts.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect(),
        None => allowed_hosts(state.store.setting(ALERT_ALLOWED_HOSTS).await?),
    };
    if hosts.iter().any(|h| h.len() > 253 || h.contains([',', '/', ' '])) {
        errors.push(FieldError::new("alert_allowed_hosts", "each entry is a host name or an IP address"));
    }
    let policy = OutboundPolicy { allowed_hosts: hosts.clone() };
    for (field, url) in [("alert_slack_url", &input.alert_slack_url), ("alert_teams_url", &input.alert_teams_url)] {
        if let Some(url) = url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            if let Err(why) = check_url(url, &policy) {
                errors.push(FieldError::new(field, why.to_string()));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let actor = format!("token:{}", caller.0.name);
    let detail = format!(
        "desk_name={:?} default_language={:?} status_page_days={:?} slack_set={} teams_set={} allowed_hosts={:?}",
        input.desk_name,
        input.default_language,
        input.status_page_days,
        input.alert_slack_url.is_some(),
        input.alert_teams_url.is_some(),
        input.alert_allowed_hosts
    );
    state.store.audit(&actor, "settings_changed", "desk", &detail, state.clock.now()).await?;
    if let Some(Some(name)) = name {
        state.store.set_setting(DESK_NAME, name).await?;
    }
    if let Some(language) = language {
        state.store.set_setting(DEFAULT_LANGUAGE, language).await?;
    }
    if input.alert_allowed_hosts.is_some() {
        state.store.set_setting(ALERT_ALLOWED_HOSTS, hosts.join(",")).await?;
    }
    for (key, url) in [(ALERT_SLACK_URL, &input.alert_slack_url), (ALERT_TEAMS_URL, &input.alert_teams_url)] {
        if let Some(url) = url {
            state.store.set_setting(key, url.trim().to_string()).await?;
        }
    }
    if let Some(days) = input.status_page_days {
        state.store.set_setting(STATUS_PAGE_DAYS, days.to_string()).await?;
    }
    Ok(Json(current(&state).await?))
}
