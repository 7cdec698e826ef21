//! The staff side: sign-in, roles, and the pages a desk works in. Server-rendered,
//! each state change a POST with a CSRF token; what a person may see is decided in
//! `access` alone.

pub mod access;
mod admin;
mod answers;
mod auth;
mod benchmarks;
mod coaching;
mod dashboard;
mod followup_actions;
mod followups;
mod form_fields;
pub(crate) mod insight_common;
mod layout;
mod priorities;
mod reports;
pub mod session;
mod settings;
mod settings_alerts;
mod settings_policies;
mod settings_users;
mod themes;
mod tickets;
mod visit_cards;
mod visits;

use crate::app::AppState;
use axum::Router;

pub use session::Staff;
pub use settings::{decode_logo, LOGO as LOGO_SETTING};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(admin::router())
        .merge(settings::router())
        .merge(settings_alerts::router())
        .merge(settings_policies::router())
        .merge(settings_users::router())
        .merge(auth::router())
        .merge(answers::router())
        .merge(dashboard::router())
        .merge(benchmarks::router())
        .merge(coaching::router())
        .merge(priorities::router())
        .merge(themes::router())
        .merge(reports::router())
        .merge(tickets::router())
        .merge(visits::router())
        .merge(followups::router())
}
