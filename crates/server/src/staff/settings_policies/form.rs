//! The policy form's parts: every input with its label, hint and error, in the fieldsets
//! they sit in, and the error summary that links each problem to its input.

use super::{lines, Values, STAFF_LANGUAGE};
use crate::i18n::Catalog;
use rapport_domain::survey::SurveyPolicy;
use rapport_domain::FieldError;
use std::collections::HashMap;

/// One input of the form with its label, hint and error.
pub(super) struct Input {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) hint: &'static str,
    /// `text`, `number`, `textarea`, `checkbox` or `select`.
    pub(super) kind: &'static str,
    pub(super) value: String,
    pub(super) checked: bool,
    pub(super) options: Vec<(&'static str, &'static str)>,
    pub(super) min: &'static str,
    pub(super) max: &'static str,
    pub(super) step: &'static str,
    /// For reason lists: how each line reads to a customer.
    pub(super) preview: Vec<String>,
    pub(super) error: Option<String>,
    /// Ids of the hint and the errors that describe this input.
    pub(super) describedby: String,
}

impl Input {
    pub(super) fn new(
        kind: &'static str,
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
    ) -> Input {
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

    pub(super) fn text(id: &'static str, label: &'static str, hint: &'static str, value: &str) -> Input {
        Input::new("text", id, label, hint, value)
    }

    pub(super) fn number(
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
        range: [&'static str; 3],
    ) -> Input {
        let [min, max, step] = range;
        Input { min, max, step, ..Input::new("number", id, label, hint, value) }
    }

    pub(super) fn lines(id: &'static str, label: &'static str, hint: &'static str, value: &str) -> Input {
        Input::new("textarea", id, label, hint, value)
    }

    pub(super) fn check(id: &'static str, label: &'static str, hint: &'static str, checked: bool) -> Input {
        Input { checked, ..Input::new("checkbox", id, label, hint, "") }
    }

    pub(super) fn select(
        id: &'static str,
        label: &'static str,
        hint: &'static str,
        value: &str,
        options: Vec<(&'static str, &'static str)>,
    ) -> Input {
        Input { options, ..Input::new("select", id, label, hint, value) }
    }

    pub(super) fn reasons(mut self) -> Input {
        self.preview = lines(&self.value).iter().map(|line| reason_label(line)).collect();
        self
    }
}

/// A `reason.*` code in the staff language; anything else as written.
pub(super) fn reason_label(code: &str) -> String {
    Catalog::global().lookup(STAFF_LANGUAGE, code).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// A fieldset of the form.
pub(super) struct Group {
    pub(super) id: &'static str,
    pub(super) legend: &'static str,
    pub(super) note: &'static str,
    /// An error about the group as a whole (the scope).
    pub(super) error: Option<String>,
    pub(super) inputs: Vec<Input>,
    /// `reason.*` codes and their labels, for the questions.
    pub(super) codes: Vec<(String, String)>,
}

impl Group {
    pub(super) fn new(id: &'static str, legend: &'static str, note: &'static str, inputs: Vec<Input>) -> Group {
        Group { id, legend, note, error: None, inputs, codes: Vec::new() }
    }
}

/// One line of the error summary: the input to jump to, its label, the message.
pub(super) struct Problem {
    pub(super) target: &'static str,
    pub(super) label: String,
    pub(super) message: String,
}

/// Puts each error next to its input (the first per field) and lists them all, in the
/// form's order, for the summary at the top.
pub(super) fn place_errors(groups: &mut [Group], errors: &[FieldError]) -> Vec<Problem> {
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

/// The form's fieldsets, in the order a desk lead reads them.
pub(super) fn groups(values: &Values, is_default: bool) -> Vec<Group> {
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
    all.push(v.follow_up.group());
    all
}
