//! What every staff page shares: the navigation, who is signed in, the CSRF token for
//! the sign-out form, and helpers to render and to format.

use super::access::visibility;
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rapport_domain::time::{from_millis, Millis};
use rapport_store::StaffRole;

/// The frame of a staff page.
pub struct Frame {
    pub title: String,
    pub user_name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub csrf: String,
    pub current: &'static str,
    /// Follow-ups for the navigation: (mine open, overdue in scope); `None` shows no counts.
    pub follow_ups: Option<(i64, i64)>,
}

impl Frame {
    pub fn new(staff: &Staff, title: impl Into<String>, current: &'static str) -> Frame {
        Frame {
            title: title.into(),
            user_name: staff.user.name.clone(),
            role: staff.user.role.as_str(),
            is_admin: staff.user.role == StaffRole::Admin,
            csrf: staff.csrf.clone(),
            current,
            follow_ups: None,
        }
    }

    /// The frame with the viewer's follow-up counts in the navigation.
    pub async fn with_counts(mut self, state: &AppState, staff: &Staff) -> Result<Frame, ApiError> {
        let (vis, user_id, now) = (visibility(&staff.user), staff.user.id, state.clock.now());
        let counts = state.store.read(move |conn| rapport_store::followups::counts(conn, &vis, user_id, now)).await?;
        self.follow_ups = Some(counts);
        Ok(self)
    }
}

pub fn page(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => ApiError::Internal(error.into()).into_response(),
    }
}

pub fn when(ms: Millis) -> String {
    from_millis(ms).format("%Y-%m-%d %H:%M").to_string()
}

pub fn faces(csat: i64) -> &'static str {
    match csat {
        1 => "😠",
        2 => "🙁",
        3 => "😐",
        4 => "🙂",
        _ => "😄",
    }
}
