//! Signing in and out, and choosing a new password. An unknown email and a wrong
//! password get the same answer in the same time; failures are limited per account
//! and per address.

use super::layout::page;
use super::session::{self, cookie_name, read_cookie, session_cookie, Staff};
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rapport_domain::password::{hash_password, verify_password};
use rapport_domain::token::{hash_secret, random_hex};
use serde::Deserialize;
use std::net::SocketAddr;

const WINDOW_MS: i64 = 15 * 60_000;
const MAX_PER_ACCOUNT: i64 = 5;
const MAX_PER_ADDRESS: i64 = 20;
const LOGIN_CSRF_COOKIE: &str = "rapport_login";
const MIN_PASSWORD: usize = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/account/password", get(password_page).post(change_password))
}

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    csrf: String,
    email: String,
    error: Option<String>,
}

/// Sign-in has no session yet: its form is protected by a token that must match a
/// cookie set with the page (double submit).
async fn sign_in_page() -> Response {
    let token = random_hex(16);
    let mut response = page(SignInPage { csrf: token.clone(), email: String::new(), error: None });
    let cookie = format!("{LOGIN_CSRF_COOKIE}={token}; Path=/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600");
    response.headers_mut().insert(SET_COOKIE, HeaderValue::from_str(&cookie).expect("hex is a valid cookie"));
    response
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    csrf: String,
}

fn again(email: &str, csrf: &str, status: StatusCode, error: &str) -> Response {
    let mut response =
        page(SignInPage { csrf: csrf.to_string(), email: email.to_string(), error: Some(error.to_string()) });
    *response.status_mut() = status;
    response
}

/// A stand-in hash so that an unknown email costs the same argon2 work as a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not a real password, only for equal timing"))
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, ApiError> {
    let cookie = read_cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || cookie != form.csrf {
        return Ok(again(&form.email, &cookie, StatusCode::FORBIDDEN, "The form expired. Please try again."));
    }
    let email = form.email.trim().to_lowercase();
    let keys = vec![format!("account:{email}"), format!("address:{}", peer.ip())];
    let now = state.clock.now();
    let failures = state.store.sign_in_failures(keys.clone(), now, WINDOW_MS).await?;
    if failures[0] >= MAX_PER_ACCOUNT || failures[1] >= MAX_PER_ADDRESS {
        let message = "Too many failed sign-ins. Please wait 15 minutes and try again.";
        return Ok(again(&form.email, &form.csrf, StatusCode::TOO_MANY_REQUESTS, message));
    }
    let user = state.store.staff_user_by_email(&email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_string());
    let password = form.password.clone();
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let user = user.filter(|u| verified && !u.disabled);
    let Some(user) = user else {
        state.store.record_sign_in_failure(keys, now, WINDOW_MS).await?;
        return Ok(again(&form.email, &form.csrf, StatusCode::UNAUTHORIZED, "The email or password is not right."));
    };
    state.store.clear_sign_in_failures(keys[0].clone()).await?;
    state.store.audit(&user.email, "sign_in", &user.email, &format!("from {}", peer.ip()), now).await?;
    let cookie = session::start(&state, &user).await?;
    let to = if user.must_change_password { "/account/password" } else { "/" };
    Ok((StatusCode::SEE_OTHER, [(LOCATION, HeaderValue::from_static(to)), (SET_COOKIE, cookie)]).into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// Sign-out is a POST and ends the session on the server, not only in the browser.
async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if let Some(id) = read_cookie(&headers, cookie_name(&state)) {
        let hash = hash_secret(&id);
        if let Some(session) = state.store.session(hash.clone(), state.clock.now(), session::IDLE_MS).await? {
            let staff = Staff { user: session.user, csrf: session.csrf_token, session_hash: hash.clone() };
            staff.check_csrf(&form.csrf)?;
        }
        state.store.end_session(hash).await?;
    }
    let expired = session_cookie(&state, "", 0);
    Ok((StatusCode::SEE_OTHER, [(LOCATION, HeaderValue::from_static("/sign-in")), (SET_COOKIE, expired)])
        .into_response())
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    csrf: String,
    forced: bool,
    error: Option<String>,
}

async fn password_page(State(state): State<AppState>, request: axum::extract::Request) -> Result<Response, ApiError> {
    let (parts, _) = request.into_parts();
    let Some(staff) = session::current(&parts, &state).await? else {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/sign-in")]).into_response());
    };
    Ok(page(PasswordPage { csrf: staff.csrf, forced: staff.user.must_change_password, error: None }))
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(State(state): State<AppState>, request: axum::extract::Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let Some(staff) = session::current(&parts, &state).await? else {
        return Ok((StatusCode::SEE_OTHER, [(LOCATION, "/sign-in")]).into_response());
    };
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.map_err(|_| ApiError::PayloadTooLarge)?;
    let form: PasswordForm = serde_urlencoded_form(&bytes)?;
    staff.check_csrf(&form.csrf)?;
    let fail = |message: &str| {
        let mut response = page(PasswordPage {
            csrf: staff.csrf.clone(),
            forced: staff.user.must_change_password,
            error: Some(message.into()),
        });
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(response)
    };
    let (current, stored) = (form.current.clone(), staff.user.password_hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&current, &stored)).await.unwrap_or(false);
    if !verified {
        return fail("The current password is not right.");
    }
    if form.new.chars().count() < MIN_PASSWORD {
        return fail("The new password must have at least 12 characters.");
    }
    if form.new != form.repeat {
        return fail("The two new passwords differ.");
    }
    if form.new == form.current {
        return fail("Choose a password different from the current one.");
    }
    let new = form.new.clone();
    let hash =
        tokio::task::spawn_blocking(move || hash_password(&new)).await.map_err(|e| ApiError::Internal(e.into()))?;
    let now = state.clock.now();
    state.store.set_staff_password(staff.user.id, hash, false, now).await?;
    state.store.audit(&staff.user.email, "password_changed", &staff.user.email, "", now).await?;
    // Changing the password ended every session; this browser gets a fresh one.
    let mut user = staff.user.clone();
    user.must_change_password = false;
    let cookie = session::start(&state, &user).await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, HeaderValue::from_static("/")), (SET_COOKIE, cookie)]).into_response())
}

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    let value = serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect());
    serde_json::from_value(value).map_err(|e| ApiError::BadRequest(format!("form: {e}")))
}
