//! Bearer-token authentication for the JSON API.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use rapport_domain::token::hash_secret;
use rapport_domain::Scope;
use rapport_store::TokenRecord;

/// The token a request was made with: missing or unknown → 401.
pub struct ApiCaller(pub TokenRecord);

impl ApiCaller {
    /// A token without the needed scope → 403.
    pub fn require(&self, needed: Scope) -> Result<(), ApiError> {
        if self.0.scope.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(needed.as_str()))
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let token = state.store.token_by_hash(&hash_secret(secret)).await?.ok_or(ApiError::Unauthorized)?;
        let now = state.clock.now();
        if token.last_used_at.is_none_or(|at| at < now - 60_000) {
            state.store.touch_token(token.id, now).await?;
        }
        Ok(ApiCaller(token))
    }
}
