//! Staff sessions: a random id in a cookie (`__Host-` prefixed and `Secure` over TLS,
//! always `HttpOnly` and `SameSite=Lax`), stored hashed, with idle and absolute
//! lifetimes. Every state-changing form carries the session's CSRF token.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rapport_domain::time::Millis;
use rapport_domain::token::{hash_secret, random_hex};
use rapport_store::StaffUser;

pub const IDLE_MS: Millis = 2 * 3_600_000;
pub const ABSOLUTE_MS: Millis = 12 * 3_600_000;

/// `__Host-` cookies must be `Secure`, which browsers accept only over TLS.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") {
        "__Host-rapport_session"
    } else {
        "rapport_session"
    }
}

pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie =
        format!("{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}", cookie_name(state));
    HeaderValue::from_str(&cookie).expect("hex session ids make valid cookies")
}

pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

/// Starts a session for `user` and answers the cookie to set. A new id every time:
/// nothing from before sign-in survives it.
pub async fn start(state: &AppState, user: &StaffUser) -> Result<HeaderValue, ApiError> {
    let id = random_hex(32);
    let now = state.clock.now();
    state.store.create_session(hash_secret(&id), user.id, random_hex(16), now, now + ABSOLUTE_MS).await?;
    Ok(session_cookie(state, &id, ABSOLUTE_MS / 1000))
}

/// The signed-in staff member behind a request. Pages without one redirect to the
/// sign-in page; a user whose password was reset must choose a new one first.
#[derive(Clone)]
pub struct Staff {
    pub user: StaffUser,
    pub csrf: String,
    pub session_hash: String,
}

pub enum NotSignedIn {
    SignIn,
    ChangePassword,
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        let to = match self {
            NotSignedIn::SignIn => "/sign-in",
            NotSignedIn::ChangePassword => "/account/password",
        };
        (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
    }
}

impl Staff {
    /// A form's CSRF token must match the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), ApiError> {
        let matches = submitted.len() == self.csrf.len()
            && submitted.bytes().zip(self.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if matches {
            Ok(())
        } else {
            Err(ApiError::Forbidden("a valid form token (reload the page and try again)"))
        }
    }
}

/// The session if there is one, whatever the password state.
pub async fn current(parts: &Parts, state: &AppState) -> Result<Option<Staff>, ApiError> {
    let Some(id) = read_cookie(&parts.headers, cookie_name(state)) else { return Ok(None) };
    let hash = hash_secret(&id);
    let session = state.store.session(hash.clone(), state.clock.now(), IDLE_MS).await?;
    Ok(session.map(|s| Staff { user: s.user, csrf: s.csrf_token, session_hash: hash }))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match current(parts, state).await.map_err(IntoResponse::into_response)? {
            None => Err(NotSignedIn::SignIn.into_response()),
            Some(staff) if staff.user.must_change_password => Err(NotSignedIn::ChangePassword.into_response()),
            Some(staff) => Ok(staff),
        }
    }
}
