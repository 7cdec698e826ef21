//! The staff side: sign-in, roles, and the pages a desk works in. Server-rendered,
//! each state change a POST with a CSRF token; what a person may see is decided in
//! `access` alone.

pub mod access;
mod admin;
mod answers;
mod auth;
mod layout;
pub mod session;
mod tickets;

use crate::app::AppState;
use axum::Router;

pub use session::Staff;

pub fn router() -> Router<AppState> {
    Router::new().merge(admin::router()).merge(auth::router()).merge(answers::router()).merge(tickets::router())
}
