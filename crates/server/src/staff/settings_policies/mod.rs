//! Admin pages for survey policies: the list (the default first, then the others in the
//! order they are checked), one form with every field, create, change and delete. The
//! form is checked by the same `PolicyInput::apply_to` as the API; each error is shown
//! next to its field and nothing is written until every field is right. Every change is
//! audited with the policy as it now stands.

use super::access::require_admin;
use super::layout::{page, Frame};
use super::Staff;
use crate::app::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use follow_up::FollowUpValues;
use form::{groups, place_errors, Group, Problem};
use rapport_domain::survey::policy::PolicyScope;
use rapport_domain::survey::{PolicyInput, SurveyPolicy, Trigger};
use rapport_domain::FieldError;
use std::collections::HashMap;

mod follow_up;
mod form;

/// Staff pages are in English; `reason.*` codes are previewed in it.
const STAFF_LANGUAGE: &str = "en";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/policies", get(list).post(create))
        .route("/settings/policies/new", get(new_form).post(create))
        .route("/settings/policies/{id}", get(edit_form).post(update))
        .route("/settings/policies/{id}/delete", post(remove))
}

fn policy_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// What a new policy starts from: the default's settings, no name, no scope.
fn new_policy_base() -> SurveyPolicy {
    SurveyPolicy { is_default: false, name: "New policy".into(), ..SurveyPolicy::default_policy() }
}

// ---------------------------------------------------------------------------------------
// The list

pub struct PolicyRow {
    id: i64,
    name: String,
    is_default: bool,
    scope: String,
    trigger: &'static str,
    sample: String,
    cooldown: String,
    delay: String,
    expiry: String,
    reminders: String,
    enabled: bool,
}

#[derive(Template)]
#[template(path = "staff/settings_policies.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<PolicyRow>,
    notice: Option<String>,
    problem: Option<String>,
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn percent(rate: f64) -> String {
    let text = format!("{rate:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn scope_summary(policy: &SurveyPolicy) -> String {
    if policy.is_default {
        return "Every ticket no other policy covers".into();
    }
    let s = &policy.scope;
    let parts: Vec<String> =
        [("Team", &s.team), ("Category", &s.category), ("Priority", &s.priority), ("Organization", &s.organization)]
            .into_iter()
            .filter_map(|(label, value)| value.as_ref().map(|v| format!("{label}: {v}")))
            .collect();
    parts.join(" · ")
}

fn delay_text(minutes: u32) -> String {
    match minutes {
        0 => "None".into(),
        m if m % (60 * 24) == 0 => plural(m / (60 * 24), "day", "days"),
        m if m % 60 == 0 => plural(m / 60, "hour", "hours"),
        m => plural(m, "minute", "minutes"),
    }
}

fn reminders_text(policy: &SurveyPolicy) -> String {
    let gap = plural(policy.reminder_gap_days, "day", "days");
    match policy.reminders {
        0 => "None".into(),
        1 => format!("1, after {gap}"),
        n => format!("{n}, {gap} apart"),
    }
}

impl PolicyRow {
    fn of(policy: &SurveyPolicy) -> PolicyRow {
        PolicyRow {
            id: policy.id,
            name: policy.name.clone(),
            is_default: policy.is_default,
            scope: scope_summary(policy),
            trigger: match policy.trigger {
                Trigger::Resolved => "Resolved",
                Trigger::Closed => "Closed",
            },
            sample: format!("{}%", percent(policy.sample_percent)),
            cooldown: if policy.cooldown_days == 0 {
                "None".into()
            } else {
                plural(policy.cooldown_days, "day", "days")
            },
            delay: delay_text(policy.delay_minutes),
            expiry: plural(policy.expiry_days, "day", "days"),
            reminders: reminders_text(policy),
            enabled: policy.enabled,
        }
    }
}

/// The default first, then the others in the order they are checked.
async fn sorted_policies(state: &AppState) -> Result<Vec<SurveyPolicy>, ApiError> {
    let mut policies = state.store.policies().await?;
    policies.sort_by_key(|p| (!p.is_default, p.position, p.id));
    Ok(policies)
}

async fn list_page(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<ListPage, ApiError> {
    let rows = sorted_policies(state).await?.iter().map(PolicyRow::of).collect();
    Ok(ListPage { frame: Frame::new(staff, "Survey policies", "settings"), rows, notice, problem })
}

/// After a change the list confirms it: `?created=ID`, `?saved=ID` or `?deleted=1`.
/// Only ids travel in the address; the words are the page's own.
async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let mut view = list_page(&state, &staff, None, None).await?;
    let name_of = |id: Option<&String>| {
        let id: i64 = id?.parse().ok()?;
        view.rows.iter().find(|r| r.id == id).map(|r| r.name.clone())
    };
    let notice = if let Some(name) = name_of(query.get("created")) {
        Some(format!("Policy “{name}” created."))
    } else if let Some(name) = name_of(query.get("saved")) {
        Some(format!("Policy “{name}” saved."))
    } else if query.contains_key("deleted") {
        Some("Policy deleted.".to_string())
    } else {
        None
    };
    view.notice = notice;
    Ok(page(view))
}

// ---------------------------------------------------------------------------------------
// The form's values, as typed

/// Every field as the form holds it: text, so that a wrong value comes back as typed.
#[derive(Debug, Clone, Default)]
struct Values {
    name: String,
    enabled: bool,
    position: String,
    scope_team: String,
    scope_category: String,
    scope_priority: String,
    scope_organization: String,
    trigger: String,
    sample_percent: String,
    cooldown_days: String,
    delay_minutes: String,
    expiry_days: String,
    reminders: String,
    reminder_gap_days: String,
    exclude_organizations: String,
    exclude_email_patterns: String,
    scale: String,
    ask_nps: bool,
    ask_effort: bool,
    ask_comment: bool,
    reasons_positive: String,
    reasons_negative: String,
    change_window_hours: String,
    visits_exempt_from_cooldown: bool,
    follow_up: FollowUpValues,
}

impl Values {
    fn of(policy: &SurveyPolicy) -> Values {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        Values {
            name: policy.name.clone(),
            enabled: policy.enabled,
            position: policy.position.to_string(),
            scope_team: opt(&policy.scope.team),
            scope_category: opt(&policy.scope.category),
            scope_priority: opt(&policy.scope.priority),
            scope_organization: opt(&policy.scope.organization),
            trigger: policy.trigger.as_str().to_string(),
            sample_percent: percent(policy.sample_percent),
            cooldown_days: policy.cooldown_days.to_string(),
            delay_minutes: policy.delay_minutes.to_string(),
            expiry_days: policy.expiry_days.to_string(),
            reminders: policy.reminders.to_string(),
            reminder_gap_days: policy.reminder_gap_days.to_string(),
            exclude_organizations: policy.exclude_organizations.join("\n"),
            exclude_email_patterns: policy.exclude_email_patterns.join("\n"),
            scale: policy.scale.points().to_string(),
            ask_nps: policy.ask_nps,
            ask_effort: policy.ask_effort,
            ask_comment: policy.ask_comment,
            reasons_positive: policy.reasons_positive.join("\n"),
            reasons_negative: policy.reasons_negative.join("\n"),
            change_window_hours: policy.change_window_hours.to_string(),
            visits_exempt_from_cooldown: policy.visits_exempt_from_cooldown,
            follow_up: FollowUpValues::of(&policy.follow_up),
        }
    }

    /// The submitted form and its CSRF token. A checkbox that is absent is off; unknown
    /// names are ignored.
    fn parse(body: &[u8]) -> (Values, String) {
        let mut v = Values::default();
        let mut csrf = String::new();
        for (key, value) in form_urlencoded::parse(body) {
            let text = value.replace("\r\n", "\n");
            match key.as_ref() {
                "csrf" => csrf = text,
                "name" => v.name = text,
                "enabled" => v.enabled = true,
                "position" => v.position = text,
                "scope_team" => v.scope_team = text,
                "scope_category" => v.scope_category = text,
                "scope_priority" => v.scope_priority = text,
                "scope_organization" => v.scope_organization = text,
                "trigger" => v.trigger = text,
                "sample_percent" => v.sample_percent = text,
                "cooldown_days" => v.cooldown_days = text,
                "delay_minutes" => v.delay_minutes = text,
                "expiry_days" => v.expiry_days = text,
                "reminders" => v.reminders = text,
                "reminder_gap_days" => v.reminder_gap_days = text,
                "exclude_organizations" => v.exclude_organizations = text,
                "exclude_email_patterns" => v.exclude_email_patterns = text,
                "scale" => v.scale = text,
                "ask_nps" => v.ask_nps = true,
                "ask_effort" => v.ask_effort = true,
                "ask_comment" => v.ask_comment = true,
                "reasons_positive" => v.reasons_positive = text,
                "reasons_negative" => v.reasons_negative = text,
                "change_window_hours" => v.change_window_hours = text,
                "visits_exempt_from_cooldown" => v.visits_exempt_from_cooldown = true,
                other => {
                    v.follow_up.take(other, text);
                }
            }
        }
        (v, csrf)
    }

    /// The form as the API's input, with the errors of fields that are not even numbers.
    fn to_input(&self, is_default: bool) -> (PolicyInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut whole = |field: &str, raw: &str| whole_number::<i64>(&mut errors, field, raw, "must be a whole number");
        // Neither the default's position nor its scope is on its form: they stay as they are.
        let position = if is_default { None } else { whole("position", &self.position) };
        let cooldown_days = whole("cooldown_days", &self.cooldown_days);
        let delay_minutes = whole("delay_minutes", &self.delay_minutes);
        let expiry_days = whole("expiry_days", &self.expiry_days);
        let reminders = whole("reminders", &self.reminders);
        let reminder_gap_days = whole("reminder_gap_days", &self.reminder_gap_days);
        let change_window_hours = whole("change_window_hours", &self.change_window_hours);
        let scale = whole("scale", &self.scale).map(|s| u8::try_from(s).unwrap_or(0));
        let sample = self.sample_percent.trim().trim_end_matches('%').trim().replace(',', ".");
        let sample_percent = if sample.is_empty() {
            errors.push(FieldError::new("sample_percent", "is required"));
            None
        } else {
            sample.parse::<f64>().map_err(|_| errors.push(FieldError::new("sample_percent", "must be a number"))).ok()
        };
        let follow_up = Some(self.follow_up.to_rules(&mut errors));
        let some = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        let scope = (!is_default).then(|| PolicyScope {
            team: some(&self.scope_team),
            category: some(&self.scope_category),
            priority: some(&self.scope_priority),
            organization: some(&self.scope_organization),
        });
        let input = PolicyInput {
            name: Some(self.name.clone()),
            enabled: Some(self.enabled),
            position,
            scope,
            trigger: Some(self.trigger.clone()),
            sample_percent,
            cooldown_days,
            delay_minutes,
            expiry_days,
            reminders,
            reminder_gap_days,
            exclude_organizations: Some(lines(&self.exclude_organizations)),
            exclude_email_patterns: Some(lines(&self.exclude_email_patterns)),
            scale,
            ask_nps: Some(self.ask_nps),
            ask_effort: Some(self.ask_effort),
            ask_comment: Some(self.ask_comment),
            reasons_positive: Some(lines(&self.reasons_positive)),
            reasons_negative: Some(lines(&self.reasons_negative)),
            change_window_hours,
            visits_exempt_from_cooldown: Some(self.visits_exempt_from_cooldown),
            follow_up,
        };
        (input, errors)
    }
}

/// A number field: `None`, with its error added, when it is empty or not a whole `T`
/// (`not_whole` says which). Its range is the domain's to check, as for the API.
fn whole_number<T: std::str::FromStr>(
    errors: &mut Vec<FieldError>,
    field: &str,
    raw: &str,
    not_whole: &str,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(field, "is required"));
        return None;
    }
    raw.parse::<T>().map_err(|_| errors.push(FieldError::new(field, not_whole))).ok()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[derive(Template)]
#[template(path = "staff/settings_policy.html")]
struct FormPage {
    frame: Frame,
    action: String,
    is_new: bool,
    is_default: bool,
    policy_id: i64,
    groups: Vec<Group>,
    summary: Vec<Problem>,
    /// The policy's follow-up rules in words, as saved.
    follow_up: Vec<String>,
}

fn form_page(staff: &Staff, base: &SurveyPolicy, is_new: bool, values: &Values, errors: &[FieldError]) -> FormPage {
    let mut groups = groups(values, base.is_default);
    let summary = place_errors(&mut groups, errors);
    let (title, action) = if is_new {
        ("New survey policy".to_string(), "/settings/policies/new".to_string())
    } else {
        (format!("Survey policy “{}”", base.name), format!("/settings/policies/{}", base.id))
    };
    FormPage {
        frame: Frame::new(staff, title, "settings"),
        action,
        is_new,
        is_default: base.is_default,
        policy_id: base.id,
        groups,
        summary,
        follow_up: follow_up::words(&base.follow_up),
    }
}

async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let base = new_policy_base();
    // A new policy is checked after the existing ones unless told otherwise.
    let last = state.store.policies().await?.iter().filter(|p| !p.is_default).map(|p| p.position).max();
    let values = Values { name: String::new(), position: last.map_or(1, |p| p + 1).to_string(), ..Values::of(&base) };
    Ok(page(form_page(&staff, &base, true, &values, &[])))
}

async fn edit_form(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let policy = state.store.policy(policy_id(&id)?).await?;
    Ok(page(form_page(&staff, &policy, false, &Values::of(&policy), &[])))
}

async fn create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    save(&state, &staff, None, &body).await
}

async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let id = policy_id(&id)?;
    save(&state, &staff, Some(id), &body).await
}

/// Checks the whole form; on any error shows it again as typed (422) and writes nothing.
async fn save(state: &AppState, staff: &Staff, id: Option<i64>, body: &[u8]) -> Result<Response, ApiError> {
    let (values, csrf) = Values::parse(body);
    staff.check_csrf(&csrf)?;
    let base = match id {
        Some(id) => state.store.policy(id).await?,
        None => new_policy_base(),
    };
    let (input, mut errors) = values.to_input(base.is_default);
    let checked = input.apply_to(&base);
    let policy = match checked {
        Ok(policy) if errors.is_empty() => policy,
        Ok(_) => return Ok(invalid(staff, &base, id.is_none(), &values, &errors)),
        Err(more) => {
            errors.extend(more);
            return Ok(invalid(staff, &base, id.is_none(), &values, &errors));
        }
    };
    let now = state.clock.now();
    let (saved, action, done) = match id {
        None => (state.store.create_policy(policy, now).await?, "policy_created", "created"),
        Some(_) => (state.store.update_policy(policy, now).await?, "policy_changed", "saved"),
    };
    let detail = serde_json::to_string(&saved).unwrap_or_default();
    let subject = format!("policy {} \"{}\"", saved.id, saved.name);
    state.store.audit(&staff.user.email, action, &subject, &detail, now).await?;
    Ok(see_other(&format!("/settings/policies?{done}={}", saved.id)))
}

fn invalid(staff: &Staff, base: &SurveyPolicy, is_new: bool, values: &Values, errors: &[FieldError]) -> Response {
    let mut response = page(form_page(staff, base, is_new, values, errors));
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

/// Deletes a policy; the default cannot go, and the list says why (409).
async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_admin(&staff.user)?;
    let csrf = form_urlencoded::parse(&body).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
    staff.check_csrf(&csrf.unwrap_or_default())?;
    let id = policy_id(&id)?;
    let policy = state.store.policy(id).await?;
    let now = state.clock.now();
    match state.store.delete_policy(id, now).await {
        Ok(()) => {}
        Err(rapport_store::StoreError::Conflict(message)) => {
            let mut response = page(list_page(&state, &staff, None, Some(capitalized(&message))).await?);
            *response.status_mut() = StatusCode::CONFLICT;
            return Ok(response);
        }
        Err(other) => return Err(other.into()),
    }
    let subject = format!("policy {} \"{}\"", policy.id, policy.name);
    let detail = serde_json::to_string(&policy).unwrap_or_default();
    state.store.audit(&staff.user.email, "policy_deleted", &subject, &detail, now).await?;
    Ok(see_other("/settings/policies?deleted=1"))
}

fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let rest: String = chars.collect();
    if rest.ends_with('.') {
        format!("{first}{rest}")
    } else {
        format!("{first}{rest}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_shown_on_the_form_and_sent_back_unchanged_is_the_same_policy() {
        let mut policy = SurveyPolicy { id: 7, ..new_policy_base() };
        policy.scope.category = Some("Hardware".into());
        policy.sample_percent = 12.5;
        policy.exclude_email_patterns = vec!["*@desk.example".into(), "noreply*".into()];
        policy.follow_up.recovery_owner = rapport_domain::followup::RecoveryOwner::Queue { name: "Recovery".into() };
        policy.follow_up.acknowledgement = Some("Hello {first_name}".into());
        policy.follow_up.checkins_automatic = true;
        policy.follow_up.enabled = false;
        for p in [policy, SurveyPolicy::default_policy()] {
            let (input, errors) = Values::of(&p).to_input(p.is_default);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(input.apply_to(&p).unwrap(), p);
        }
    }

    #[test]
    fn a_submitted_form_reads_checkboxes_lines_and_empty_numbers() {
        let body = b"csrf=t&name=X&ask_nps=on&reasons_positive=reason.friendly%0D%0A%0D%0AFast&sample_percent=12%2C5&reminders=";
        let (values, csrf) = Values::parse(body);
        assert_eq!(csrf, "t");
        assert!(values.position.is_empty(), "the default's form has no position");
        assert!(values.ask_nps && !values.ask_comment && !values.enabled);
        let (input, errors) = values.to_input(true);
        assert_eq!(input.reasons_positive.unwrap(), ["reason.friendly", "Fast"]);
        assert_eq!(input.sample_percent, Some(12.5));
        let reminders = errors.iter().find(|e| e.field == "reminders").unwrap();
        assert_eq!(reminders.message, "is required");
        assert!(input.scope.is_none() && input.position.is_none(), "the default's scope and position stay");
    }

    #[test]
    fn follow_up_fields_that_are_not_numbers_are_named_and_the_rest_still_checked() {
        let body = b"follow_up.enabled=on&follow_up.recovery_csat_max=2&follow_up.checkin_csat_min=2&follow_up.grace_minutes=-1&follow_up.recovery_owner=agent&follow_up.queue=Q&follow_up.first_contact_business_minutes=60";
        let (values, _) = Values::parse(body);
        let mut errors = Vec::new();
        let rules = values.follow_up.to_rules(&mut errors);
        let named: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        assert_eq!(
            named,
            [
                ("follow_up.recovery_nps_max", "is required"),
                ("follow_up.checkin_nps_min", "is required"),
                ("follow_up.grace_minutes", "must be a whole number, 0 or more"),
                ("follow_up.resolve_business_days", "is required"),
                ("follow_up.checkin_business_days", "is required"),
            ]
        );
        assert!(rules.enabled && !rules.checkins_automatic && !rules.acknowledge_customer);
        assert_eq!(
            rules.recovery_owner,
            rapport_domain::followup::RecoveryOwner::Agent,
            "a queue name alone changes nothing"
        );
        let checked = rules.check().unwrap_err();
        assert!(checked.iter().any(|e| e.field == "checkin_csat_min"), "the order is still checked: {checked:?}");
    }

    #[test]
    fn errors_sit_next_to_their_inputs_and_in_the_summary_in_form_order() {
        let values = Values::of(&new_policy_base());
        let mut all = groups(&values, false);
        let errors = [
            FieldError::new("sample_percent", "must be between 0 and 100"),
            FieldError::new("scope", "must name something"),
            FieldError::new("reminders", "must be between 0 and 2"),
        ];
        let summary = place_errors(&mut all, &errors);
        let targets: Vec<&str> = summary.iter().map(|p| p.target).collect();
        assert_eq!(targets, ["scope_team", "sample_percent", "reminders"]);
        let sample = all.iter().flat_map(|g| &g.inputs).find(|i| i.id == "sample_percent").unwrap();
        assert_eq!(sample.describedby, "sample_percent-hint sample_percent-error");
        let team = all.iter().flat_map(|g| &g.inputs).find(|i| i.id == "scope_team").unwrap();
        assert_eq!(team.describedby, "scope_team-hint scope-error");
    }
}
