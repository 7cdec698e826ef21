//! Settings › Users and teams (admins only): who may sign in, with which role, and which
//! teams each manager leads. New and reset passwords are random, shown once in the
//! answer to the POST (never stored in clear, never in a URL), and must be changed at
//! the next sign-in. A reset or a disable ends the person's sessions at once.

use super::access::require_admin;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use rapport_domain::password::{generate_password, hash_password};
use rapport_domain::text::clean_line;
use rapport_domain::Email;
use rapport_store::staff_views::{Named, NamedKind};
use rapport_store::{NewStaffUser, StaffRole, StaffUser, StoreError};

const MAX_NAME: usize = 100;
const DUPLICATE_EMAIL: &str = "A user with this email exists.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/users", get(list).post(create))
        .route("/settings/users/{id}/reset-password", post(reset_password))
        .route("/settings/users/{id}/disable", post(disable))
        .route("/settings/users/{id}/teams", post(set_teams))
}

/// The fields of every form here. `teams` repeats (one per checked box), which the
/// plain form extractor cannot read.
#[derive(Default)]
struct Fields {
    csrf: String,
    email: String,
    name: String,
    role: String,
    teams: Vec<String>,
}

fn parse_form(body: &[u8]) -> Fields {
    let mut fields = Fields::default();
    for (key, value) in form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "csrf" => fields.csrf = value,
            "email" => fields.email = value,
            "name" => fields.name = value,
            "role" => fields.role = value,
            "teams" => fields.teams.push(value),
            _ => {}
        }
    }
    fields
}

/// The admin check comes first (anyone else: "not found", whatever they sent), then
/// the form token.
fn admin_form(staff: &Staff, body: &[u8]) -> Result<Fields, ApiError> {
    require_admin(&staff.user)?;
    let fields = parse_form(body);
    staff.check_csrf(&fields.csrf)?;
    Ok(fields)
}

/// Checked team ids, each one a team of the desk; `None` if any is not.
fn chosen_teams(raw: &[String], teams: &[Named]) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for value in raw {
        let id: i64 = value.trim().parse().ok()?;
        if !teams.iter().any(|t| t.id == id) {
            return None;
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Some(ids)
}

fn team_names(ids: &[i64], teams: &[Named]) -> Vec<String> {
    teams.iter().filter(|t| ids.contains(&t.id)).map(|t| t.name.clone()).collect()
}

fn describe_teams(names: &[String]) -> String {
    if names.is_empty() {
        "no team".to_string()
    } else {
        names.join(", ")
    }
}

async fn hash(password: &str) -> Result<String, ApiError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|e| ApiError::Internal(e.into()))
}

async fn target(state: &AppState, id: i64) -> Result<StaffUser, ApiError> {
    state.store.staff_user(id).await?.ok_or(ApiError::NotFound)
}

// ---- the page -------------------------------------------------------------------

pub struct Choice {
    id: i64,
    name: String,
    checked: bool,
}

fn choices(teams: &[Named], checked: &[i64]) -> Vec<Choice> {
    teams.iter().map(|t| Choice { id: t.id, name: t.name.clone(), checked: checked.contains(&t.id) }).collect()
}

pub struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    is_manager: bool,
    is_self: bool,
    disabled: bool,
    state: &'static str,
    state_class: &'static str,
    leads: Vec<String>,
    choices: Vec<Choice>,
}

pub struct TeamRow {
    name: String,
    leads: Vec<String>,
}

pub struct RoleChoice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

/// The "add a user" form: what was typed, and what is wrong with it.
#[derive(Default)]
pub struct NewUserForm {
    email: String,
    name: String,
    role: String,
    teams: Vec<i64>,
    email_error: Option<String>,
    name_error: Option<String>,
    role_error: Option<String>,
    teams_error: Option<String>,
}

impl NewUserForm {
    fn blank() -> NewUserForm {
        NewUserForm { role: StaffRole::Agent.as_str().to_string(), ..NewUserForm::default() }
    }

    fn has_errors(&self) -> bool {
        self.email_error.is_some()
            || self.name_error.is_some()
            || self.role_error.is_some()
            || self.teams_error.is_some()
    }

    fn roles(&self) -> Vec<RoleChoice> {
        [
            (StaffRole::Agent, "Agent", "sees their own tickets and answers"),
            (StaffRole::Manager, "Manager", "also sees everything of the teams they lead"),
            (StaffRole::Admin, "Admin", "sees everything and manages settings, users and tokens"),
        ]
        .into_iter()
        .map(|(role, label, hint)| RoleChoice {
            value: role.as_str(),
            label,
            hint,
            checked: self.role == role.as_str(),
        })
        .collect()
    }
}

/// What a POST did, shown above the lists.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    /// A temporary password, shown this once.
    password: Option<String>,
    error: Option<String>,
    form: Option<NewUserForm>,
}

impl Outcome {
    fn done(notice: String) -> Outcome {
        Outcome { notice: Some(notice), ..Outcome::default() }
    }

    fn refused(error: impl Into<String>) -> Outcome {
        Outcome { error: Some(error.into()), ..Outcome::default() }
    }
}

#[derive(Template)]
#[template(path = "staff/settings_users.html")]
struct UsersPage {
    frame: Frame,
    notice: Option<String>,
    password: Option<String>,
    error: Option<String>,
    users: Vec<UserRow>,
    teams: Vec<TeamRow>,
    form: NewUserForm,
    roles: Vec<RoleChoice>,
    form_teams: Vec<Choice>,
}

/// The teams each staff user leads, as recorded (`staff_user_teams`). `StaffUser::team_ids`
/// also holds an agent's own team from their tickets, which no one set here.
async fn lead_rows(state: &AppState) -> Result<Vec<(i64, i64)>, ApiError> {
    let rows = state
        .store
        .read(|conn| {
            conn.query("SELECT user_id, team_id FROM staff_user_teams ORDER BY user_id, team_id", &[])?
                .iter()
                .map(|r| Ok((r.get(0)?, r.get(1)?)))
                .collect::<rapport_store::Result<Vec<(i64, i64)>>>()
        })
        .await?;
    Ok(rows)
}

async fn render(state: &AppState, staff: &Staff, status: StatusCode, outcome: Outcome) -> Result<Response, ApiError> {
    let users = state.store.staff_users().await?;
    let teams = state.store.named(NamedKind::Teams).await?;
    let leads = lead_rows(state).await?;
    let led_by = |user: i64| leads.iter().filter(|(u, _)| *u == user).map(|(_, t)| *t).collect::<Vec<_>>();

    let team_rows = teams
        .iter()
        .map(|team| TeamRow {
            name: team.name.clone(),
            leads: users
                .iter()
                .filter(|u| u.role == StaffRole::Manager && leads.contains(&(u.id, team.id)))
                .map(|u| if u.disabled { format!("{} (disabled)", u.name) } else { u.name.clone() })
                .collect(),
        })
        .collect();
    let user_rows = users
        .iter()
        .map(|u| {
            let led = led_by(u.id);
            let (state, state_class) = if u.disabled {
                ("disabled", "disabled")
            } else if u.must_change_password {
                ("must change password", "must-change")
            } else {
                ("active", "active")
            };
            UserRow {
                id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: u.role.as_str(),
                is_manager: u.role == StaffRole::Manager,
                is_self: u.id == staff.user.id,
                disabled: u.disabled,
                state,
                state_class,
                leads: team_names(&led, &teams),
                choices: choices(&teams, &led),
            }
        })
        .collect();
    let form = outcome.form.unwrap_or_else(NewUserForm::blank);
    let mut response = page(UsersPage {
        frame: Frame::new(staff, "Users and teams", "settings"),
        notice: outcome.notice,
        password: outcome.password,
        error: outcome.error,
        users: user_rows,
        teams: team_rows,
        roles: form.roles(),
        form_teams: choices(&teams, &form.teams),
        form,
    });
    *response.status_mut() = status;
    Ok(response)
}

// ---- the handlers ---------------------------------------------------------------

async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    render(&state, &staff, StatusCode::OK, Outcome::default()).await
}

async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    let fields = admin_form(&staff, &body)?;
    let teams = state.store.named(NamedKind::Teams).await?;
    let mut form = NewUserForm {
        email: fields.email.trim().to_string(),
        name: fields.name.trim().to_string(),
        role: fields.role.trim().to_string(),
        ..NewUserForm::default()
    };

    let email = match Email::parse(&fields.email) {
        Ok(email) => Some(email),
        Err(_) => {
            form.email_error = Some("Enter an email address, like name@example.com.".into());
            None
        }
    };
    if let Some(email) = &email {
        if state.store.staff_user_by_email(email.as_str()).await?.is_some() {
            form.email_error = Some(DUPLICATE_EMAIL.into());
        }
    }
    let name = clean_line(&fields.name, MAX_NAME);
    if name.is_none() {
        form.name_error = Some("Enter their name.".into());
    }
    let role = StaffRole::parse(&fields.role);
    if role.is_none() {
        form.role_error = Some("Choose a role: agent, manager or admin.".into());
    }
    match chosen_teams(&fields.teams, &teams) {
        Some(ids) => form.teams = ids,
        None => form.teams_error = Some("Choose teams from the list.".into()),
    }
    let (Some(email), Some(name), Some(role), false) = (email, name, role, form.has_errors()) else {
        let outcome = Outcome { form: Some(form), ..Outcome::default() };
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, outcome).await;
    };
    // Only managers lead teams; boxes ticked for anyone else mean nothing.
    let team_ids = if role == StaffRole::Manager { form.teams.clone() } else { Vec::new() };

    let password = generate_password();
    let password_hash = hash(&password).await?;
    let now = state.clock.now();
    let new_user = NewStaffUser {
        email: email.as_str(),
        name: &name,
        role,
        password_hash: &password_hash,
        must_change_password: true,
    };
    let id = match state.store.create_staff_user(&new_user, now).await {
        Ok(id) => id,
        // Someone else added the same email a moment ago.
        Err(StoreError::Conflict(_)) => {
            form.email_error = Some(DUPLICATE_EMAIL.into());
            let outcome = Outcome { form: Some(form), ..Outcome::default() };
            return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, outcome).await;
        }
        Err(other) => return Err(other.into()),
    };
    let led = team_names(&team_ids, &teams);
    if !team_ids.is_empty() {
        state.store.set_staff_teams(id, team_ids).await?;
    }
    let detail = if role == StaffRole::Manager {
        format!("role {}; leads {}", role.as_str(), describe_teams(&led))
    } else {
        format!("role {}", role.as_str())
    };
    state.store.audit(&staff.user.email, "user_created", email.as_str(), &detail, now).await?;

    let mut notice = format!("Added {name} ({email}) as {}.", role.as_str());
    if role == StaffRole::Manager {
        notice.push_str(&format!(" They lead {}.", describe_teams(&led)));
    }
    let outcome = Outcome { notice: Some(notice), password: Some(password), ..Outcome::default() };
    render(&state, &staff, StatusCode::OK, outcome).await
}

async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    admin_form(&staff, &body)?;
    let user = target(&state, id).await?;
    let refuse = |message: String| render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Outcome::refused(message));
    if user.id == staff.user.id {
        return refuse(
            "You cannot reset your own password here; change it on the Change password page (/account/password)."
                .into(),
        )
        .await;
    }
    if user.disabled {
        return refuse(format!("{} is disabled and cannot sign in, so their password was not reset.", user.email))
            .await;
    }
    let password = generate_password();
    let password_hash = hash(&password).await?;
    let now = state.clock.now();
    state.store.set_staff_password(user.id, password_hash, true, now).await?;
    state.store.audit(&staff.user.email, "password_reset", &user.email, "", now).await?;
    let notice = format!(
        "Reset the password of {} ({}). They were signed out everywhere and must choose a new password \
         at their next sign-in.",
        user.name, user.email
    );
    let outcome = Outcome { notice: Some(notice), password: Some(password), ..Outcome::default() };
    render(&state, &staff, StatusCode::OK, outcome).await
}

async fn disable(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    admin_form(&staff, &body)?;
    let user = target(&state, id).await?;
    if user.id == staff.user.id {
        let message = "You cannot disable yourself. Another admin can disable your account.";
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Outcome::refused(message)).await;
    }
    if user.disabled {
        return render(&state, &staff, StatusCode::OK, Outcome::done(format!("{} was already disabled.", user.email)))
            .await;
    }
    let now = state.clock.now();
    state.store.disable_staff_user(user.id, now).await?;
    state.store.audit(&staff.user.email, "user_disabled", &user.email, "", now).await?;
    let notice = format!("Disabled {} ({}). They were signed out and can no longer sign in.", user.name, user.email);
    render(&state, &staff, StatusCode::OK, Outcome::done(notice)).await
}

async fn set_teams(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields = admin_form(&staff, &body)?;
    let user = target(&state, id).await?;
    if user.role != StaffRole::Manager {
        let message = format!("Only managers lead teams; {} is {}.", user.email, article(user.role));
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Outcome::refused(message)).await;
    }
    let teams = state.store.named(NamedKind::Teams).await?;
    let Some(team_ids) = chosen_teams(&fields.teams, &teams) else {
        let message = "Choose teams from the list.";
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Outcome::refused(message)).await;
    };
    let led = describe_teams(&team_names(&team_ids, &teams));
    state.store.set_staff_teams(user.id, team_ids).await?;
    state.store.audit(&staff.user.email, "teams_changed", &user.email, &led, state.clock.now()).await?;
    render(&state, &staff, StatusCode::OK, Outcome::done(format!("{} now leads {led}.", user.name))).await
}

fn article(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Admin => "an admin",
        StaffRole::Manager => "a manager",
        StaffRole::Agent => "an agent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_team_fields_are_all_read() {
        let fields = parse_form(b"csrf=abc&email=a%40b.example&name=Ann+B&role=manager&teams=1&teams=3");
        assert_eq!(
            (fields.csrf.as_str(), fields.email.as_str(), fields.name.as_str()),
            ("abc", "a@b.example", "Ann B")
        );
        assert_eq!(fields.role, "manager");
        assert_eq!(fields.teams, vec!["1", "3"]);
    }

    #[test]
    fn only_teams_of_the_desk_can_be_chosen() {
        let teams = vec![Named { id: 1, name: "Desktop".into() }, Named { id: 3, name: "Network".into() }];
        let raw = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        assert_eq!(chosen_teams(&raw(&["3", "1", "3"]), &teams), Some(vec![3, 1]));
        assert_eq!(chosen_teams(&raw(&[]), &teams), Some(vec![]));
        assert_eq!(chosen_teams(&raw(&["2"]), &teams), None);
        assert_eq!(chosen_teams(&raw(&["x"]), &teams), None);
        assert_eq!(describe_teams(&team_names(&[3, 1], &teams)), "Desktop, Network");
    }
}
