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
use crate::i18n::Catalog;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rapport_domain::survey::policy::PolicyScope;
use rapport_domain::survey::{PolicyInput, SurveyPolicy, Trigger};
use rapport_domain::FieldError;
use std::collections::HashMap;

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
                _ => {}
            }
        }
        (v, csrf)
    }

    /// The form as the API's input, with the errors of fields that are not even numbers.
    fn to_input(&self, is_default: bool) -> (PolicyInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let mut whole = |field: &str, raw: &str| -> Option<i64> {
            let raw = raw.trim();
            if raw.is_empty() {
                errors.push(FieldError::new(field, "is required"));
                return None;
            }
            raw.parse::<i64>().map_err(|_| errors.push(FieldError::new(field, "must be a whole number"))).ok()
        };
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
            // Not on this form yet: the rules stay as they are (the API sets them).
            follow_up: None,
        };
        (input, errors)
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

// ---------------------------------------------------------------------------------------
// The form page

/// One input of the form with its label, hint and error.
pub struct Input {
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    /// `text`, `number`, `textarea`, `checkbox` or `select`.
    kind: &'static str,
    value: String,
    checked: bool,
    options: Vec<(&'static str, &'static str)>,
    min: &'static str,
    max: &'static str,
    step: &'static str,
    /// For reason lists: how each line reads to a customer.
    preview: Vec<String>,
    error: Option<String>,
    /// Ids of the hint and the errors that describe this input.
    describedby: String,
}

impl Input {
    fn new(kind: &'static str, id: &'static str, label: &'static str, hint: &'static str, value: &str) -> Input {
        Input {
            id,
            label,
            hint,
            kind,
            value: value.to_string(),
            checked: false,
            options: Vec::new(),
            min: "",
            max: "",
            step: "",
            preview: Vec::new(),
            error: None,
            describedby: String::new(),
        }
    }

    fn text(id: &'static str, label: &'static str, hint: &'static str, value: &str) -> Input {
        Input::new("text", id, label, hint, value)
    }

    fn number(
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
        range: [&'static str; 3],
    ) -> Input {
        let [min, max, step] = range;
        Input { min, max, step, ..Input::new("number", id, label, hint, value) }
    }

    fn lines(id: &'static str, label: &'static str, hint: &'static str, value: &str) -> Input {
        Input::new("textarea", id, label, hint, value)
    }

    fn check(id: &'static str, label: &'static str, hint: &'static str, checked: bool) -> Input {
        Input { checked, ..Input::new("checkbox", id, label, hint, "") }
    }

    fn select(
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
        options: Vec<(&'static str, &'static str)>,
    ) -> Input {
        Input { options, ..Input::new("select", id, label, hint, value) }
    }

    fn reasons(mut self) -> Input {
        self.preview = lines(&self.value).iter().map(|line| reason_label(line)).collect();
        self
    }
}

/// A `reason.*` code in the staff language; anything else as written.
fn reason_label(code: &str) -> String {
    Catalog::global().lookup(STAFF_LANGUAGE, code).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// A fieldset of the form.
pub struct Group {
    id: &'static str,
    legend: &'static str,
    note: &'static str,
    /// An error about the group as a whole (the scope).
    error: Option<String>,
    inputs: Vec<Input>,
    /// `reason.*` codes and their labels, for the questions.
    codes: Vec<(String, String)>,
}

impl Group {
    fn new(id: &'static str, legend: &'static str, note: &'static str, inputs: Vec<Input>) -> Group {
        Group { id, legend, note, error: None, inputs, codes: Vec::new() }
    }
}

/// One line of the error summary: the input to jump to, its label, the message.
pub struct Problem {
    target: &'static str,
    label: String,
    message: String,
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
    /// The policy's follow-up rules in words (changed through the API).
    follow_up: Vec<String>,
}

/// The follow-up rules as sentences a desk lead can check.
fn follow_up_words(rules: &rapport_domain::followup::FollowUpRules) -> Vec<String> {
    use rapport_domain::followup::RecoveryOwner;
    if !rules.enabled {
        return vec!["Answers lead to no follow-ups.".into()];
    }
    let owner = match &rules.recovery_owner {
        RecoveryOwner::TeamLead => "the team lead".to_string(),
        RecoveryOwner::Queue { name } => format!("the queue “{name}”"),
        RecoveryOwner::Agent => "the technician of the ticket".to_string(),
    };
    let hours = rules.first_contact_business_minutes / 60;
    let minutes = rules.first_contact_business_minutes % 60;
    let first_contact = match (hours, minutes) {
        (0, m) => format!("{m} business minutes"),
        (h, 0) => format!("{h} business hours"),
        (h, m) => format!("{h} h {m} min of business time"),
    };
    vec![
        format!(
            "CSAT {} or lower (or NPS {} or lower) opens a recovery case for {owner}, {} minutes after the answer (time to correct a misclick).",
            rules.recovery_csat_max, rules.recovery_nps_max, rules.grace_minutes
        ),
        format!(
            "First contact within {first_contact}; resolved within {} business days; the customer {} an acknowledgement{}.",
            rules.resolve_business_days,
            if rules.acknowledge_customer { "gets" } else { "does not get" },
            if rules.acknowledgement.is_some() { " in the desk's own words" } else { "" }
        ),
        format!(
            "CSAT {} or higher (or NPS {} or higher) schedules a check-in after {} business days, {}.",
            rules.checkin_csat_min,
            rules.checkin_nps_min,
            rules.checkin_business_days,
            if rules.checkins_automatic { "sent automatically" } else { "sent by the technician with one click" }
        ),
        format!("Service gaps to file closed cases under: {}.", rules.service_gaps.join(", ")),
    ]
}

fn groups(values: &Values, is_default: bool) -> Vec<Group> {
    let v = values;
    let mut about = vec![
        Input::text("name", "Name", "For the desk only; customers never see it. Up to 100 characters.", &v.name),
        Input::check(
            "enabled",
            "Enabled",
            "When off, tickets this policy covers get no survey; their decision says the policy is disabled.",
            v.enabled,
        ),
    ];
    if !is_default {
        about.push(Input::number(
            "position",
            "Position",
            "Policies are checked lowest first; the first whose scope covers a ticket is used.",
            &v.position,
            ["", "", "1"],
        ));
    }
    let mut all = vec![Group::new("about", "Policy", "", about)];
    if !is_default {
        all.push(Group::new(
            "scope",
            "Applies to",
            "Tickets that match every field filled in here; fill in at least one. Names as the ticketing tool \
             sends them, in any case.",
            vec![
                Input::text("scope_team", "Team", "The assigned team, e.g. Desktop Support.", &v.scope_team),
                Input::text("scope_category", "Category", "The ticket's category, e.g. Hardware.", &v.scope_category),
                Input::text("scope_priority", "Priority", "The ticket's priority, e.g. 1.", &v.scope_priority),
                Input::text(
                    "scope_organization",
                    "Organization",
                    "The requester's organization, e.g. Finance.",
                    &v.scope_organization,
                ),
            ],
        ));
    }
    all.push(Group::new(
        "when",
        "When to ask",
        "",
        vec![
            Input::select(
                "trigger",
                "Ask when the ticket is",
                "The status that starts a survey.",
                &v.trigger,
                vec![("resolved", "Resolved"), ("closed", "Closed")],
            ),
            Input::number(
                "sample_percent",
                "Sample rate (%)",
                "The share of closed tickets whose requester is asked; the same ticket always gets the same \
                 decision. 0 to 100, up to two decimals.",
                &v.sample_percent,
                ["0", "100", "0.01"],
            ),
            Input::number(
                "cooldown_days",
                "Cool-down (days)",
                "A customer who was asked is not asked again for this many days. 0 to 3650.",
                &v.cooldown_days,
                ["0", "3650", "1"],
            ),
            Input::check(
                "visits_exempt_from_cooldown",
                "Visit surveys ignore the cool-down",
                "Surveys after a visit to the desk are sent even within a customer's cool-down.",
                v.visits_exempt_from_cooldown,
            ),
            Input::number(
                "delay_minutes",
                "Delay before sending (minutes)",
                "Time between the trigger and the email, so that a quick reopen stops it. 0 to 43200 (30 days).",
                &v.delay_minutes,
                ["0", "43200", "1"],
            ),
        ],
    ));
    all.push(Group::new(
        "invitation",
        "Invitation and reminders",
        "",
        vec![
            Input::number(
                "expiry_days",
                "Expiry (days)",
                "How long the survey's links stay open after sending. 1 to 365.",
                &v.expiry_days,
                ["1", "365", "1"],
            ),
            Input::number(
                "reminders",
                "Reminders",
                "Reminder emails to a customer who has not answered: 0, 1 or 2.",
                &v.reminders,
                ["0", "2", "1"],
            ),
            Input::number(
                "reminder_gap_days",
                "Days between reminders",
                "Days after the invitation, and between reminders, before a reminder is sent. 1 to 60.",
                &v.reminder_gap_days,
                ["1", "60", "1"],
            ),
        ],
    ));
    all.push(Group::new(
        "exclusions",
        "Never asked",
        "",
        vec![
            Input::lines(
                "exclude_organizations",
                "Organizations never asked",
                "One per line, as the ticketing tool names them (any case). At most 30.",
                &v.exclude_organizations,
            ),
            Input::lines(
                "exclude_email_patterns",
                "Email addresses never asked",
                "One pattern per line; * matches anything, e.g. *@desk.example or noreply*. At most 30.",
                &v.exclude_email_patterns,
            ),
        ],
    ));
    let known = SurveyPolicy::default_policy();
    let codes = known.reasons_positive.iter().chain(&known.reasons_negative).map(|c| (c.clone(), reason_label(c)));
    all.push(Group {
        codes: codes.collect(),
        ..Group::new(
            "questions",
            "Questions",
            "",
            vec![
                Input::select(
                    "scale",
                    "Satisfaction scale",
                    "The faces offered for the main question.",
                    &v.scale,
                    vec![
                        ("5", "5 points (very dissatisfied … very satisfied)"),
                        ("3", "3 points (not good, okay, great)"),
                    ],
                ),
                Input::check(
                    "ask_nps",
                    "Ask how likely they are to recommend us (NPS, 0–10)",
                    "An optional second question.",
                    v.ask_nps,
                ),
                Input::check(
                    "ask_effort",
                    "Ask how easy it was to get help (effort)",
                    "An optional question on a 1–5 scale.",
                    v.ask_effort,
                ),
                Input::check(
                    "ask_comment",
                    "Offer a comment box",
                    "Comments are plain text, up to 5,000 characters.",
                    v.ask_comment,
                ),
                Input::lines(
                    "reasons_positive",
                    "Reasons offered after a good score",
                    "Shown after 4 or 5 of 5 (great on 3 points). One per line; reason.* codes are shown in the \
                     customer's language, anything else as written. At most 30.",
                    &v.reasons_positive,
                )
                .reasons(),
                Input::lines(
                    "reasons_negative",
                    "Reasons offered after a poor score",
                    "Shown after 1 to 3 of 5 (not good or okay on 3 points). One per line, as above. At most 30.",
                    &v.reasons_negative,
                )
                .reasons(),
                Input::number(
                    "change_window_hours",
                    "Answers may be changed for (hours)",
                    "How long after the first answer a customer may still change it or add a comment. 0 to 720.",
                    &v.change_window_hours,
                    ["0", "720", "1"],
                ),
            ],
        )
    });
    all
}

/// Puts each error next to its input (the first per field) and lists them all, in the
/// form's order, for the summary at the top.
fn place_errors(groups: &mut [Group], errors: &[FieldError]) -> Vec<Problem> {
    let mut by_field: HashMap<&str, &str> = HashMap::new();
    for e in errors {
        by_field.entry(e.field.as_str()).or_insert(e.message.as_str());
    }
    let mut summary = Vec::new();
    for group in groups.iter_mut() {
        let group_error = by_field.remove(group.id);
        if let (Some(message), Some(first)) = (group_error, group.inputs.first()) {
            summary.push(Problem { target: first.id, label: group.legend.to_string(), message: message.to_string() });
        }
        group.error = group_error.map(str::to_string);
        for input in &mut group.inputs {
            input.error = by_field.remove(input.id).map(str::to_string);
            let mut ids = vec![format!("{}-hint", input.id)];
            if input.error.is_some() {
                ids.push(format!("{}-error", input.id));
            }
            if group.error.is_some() {
                ids.push(format!("{}-error", group.id));
            }
            input.describedby = ids.join(" ");
            if let Some(message) = &input.error {
                summary.push(Problem { target: input.id, label: input.label.to_string(), message: message.clone() });
            }
        }
    }
    // Anything the form has no input for still gets said.
    for e in errors {
        if by_field.remove(e.field.as_str()).is_some() {
            summary.push(Problem { target: "", label: e.field.clone(), message: e.message.clone() });
        }
    }
    summary
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
        follow_up: follow_up_words(&base.follow_up),
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
