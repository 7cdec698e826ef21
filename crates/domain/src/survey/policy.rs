//! A survey policy says when and whom to ask, and what to ask. The wire form
//! (`PolicyInput`, every field optional, unknown fields refused) is checked into a
//! `SurveyPolicy` that cannot hold a bad value; errors name their field.

use super::answer::CsatScale;
use crate::event::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Resolved,
    Closed,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Resolved => "resolved",
            Trigger::Closed => "closed",
        }
    }
}

/// What a policy applies to; an empty field matches everything. The default policy
/// applies where no other does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyScope {
    pub team: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub organization: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyPolicy {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub is_default: bool,
    /// Lower is checked first among the non-default policies.
    pub position: i64,
    pub scope: PolicyScope,
    pub trigger: Trigger,
    /// 0–100, in steps of 0.01.
    pub sample_percent: f64,
    pub cooldown_days: u32,
    pub delay_minutes: u32,
    pub expiry_days: u32,
    pub reminders: u32,
    pub reminder_gap_days: u32,
    pub exclude_organizations: Vec<String>,
    /// Simple globs on the requester's email: `*@desk.example`, `noreply*`.
    pub exclude_email_patterns: Vec<String>,
    pub scale: CsatScale,
    pub ask_nps: bool,
    pub ask_effort: bool,
    pub ask_comment: bool,
    /// Reasons offered after a good score (4–5 of 5) and after a poor one (1–3).
    /// `reason.*` names are translated; anything else is shown as written.
    pub reasons_positive: Vec<String>,
    pub reasons_negative: Vec<String>,
    /// How long after the first answer the customer may still change it.
    pub change_window_hours: u32,
    /// Visit surveys ignore the cool-down when set.
    pub visits_exempt_from_cooldown: bool,
    /// What each answer leads to: recovery cases, check-ins (policies stored before
    /// follow-ups existed read the defaults).
    #[serde(default)]
    pub follow_up: crate::followup::FollowUpRules,
}

impl SurveyPolicy {
    /// The policy a desk starts with: every closed ticket, asked an hour later.
    pub fn default_policy() -> SurveyPolicy {
        SurveyPolicy {
            id: 0,
            name: "Default".into(),
            enabled: true,
            is_default: true,
            position: 0,
            scope: PolicyScope::default(),
            trigger: Trigger::Closed,
            sample_percent: 100.0,
            cooldown_days: 30,
            delay_minutes: 60,
            expiry_days: 14,
            reminders: 1,
            reminder_gap_days: 3,
            exclude_organizations: Vec::new(),
            exclude_email_patterns: Vec::new(),
            scale: CsatScale::Five,
            ask_nps: false,
            ask_effort: false,
            ask_comment: true,
            reasons_positive: ["quick_response", "first_time_fix", "friendly", "kept_informed", "clear_explanation"]
                .map(|r| format!("reason.{r}"))
                .to_vec(),
            reasons_negative: ["too_slow", "not_solved", "repeat_myself", "not_informed", "unhelpful"]
                .map(|r| format!("reason.{r}"))
                .to_vec(),
            change_window_hours: 24,
            visits_exempt_from_cooldown: false,
            follow_up: crate::followup::FollowUpRules::default(),
        }
    }

    /// Whether this (non-default) policy's scope covers a ticket.
    pub fn covers(&self, facts: &ScopeFacts<'_>) -> bool {
        fn matches(wanted: &Option<String>, actual: Option<&str>) -> bool {
            match wanted {
                None => true,
                Some(wanted) => actual.is_some_and(|a| a.trim().eq_ignore_ascii_case(wanted.trim())),
            }
        }
        matches(&self.scope.team, facts.team)
            && matches(&self.scope.category, facts.category)
            && matches(&self.scope.priority, facts.priority)
            && matches(&self.scope.organization, facts.organization)
    }

    pub fn excludes_email(&self, email: &str) -> bool {
        self.exclude_email_patterns.iter().any(|pattern| glob_matches(&pattern.to_lowercase(), &email.to_lowercase()))
    }

    pub fn excludes_organization(&self, organization: Option<&str>) -> bool {
        organization
            .is_some_and(|org| self.exclude_organizations.iter().any(|x| x.trim().eq_ignore_ascii_case(org.trim())))
    }
}

/// The facts of a ticket that choose its policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScopeFacts<'a> {
    pub team: Option<&'a str>,
    pub category: Option<&'a str>,
    pub priority: Option<&'a str>,
    pub organization: Option<&'a str>,
}

/// The first enabled-or-not policy whose scope covers the ticket, in `position` order,
/// else the default. A disabled match still wins, so that its "disabled" is the reason.
pub fn policy_for<'a>(policies: &'a [SurveyPolicy], facts: &ScopeFacts<'_>) -> Option<&'a SurveyPolicy> {
    let mut specific: Vec<&SurveyPolicy> = policies.iter().filter(|p| !p.is_default && p.covers(facts)).collect();
    specific.sort_by_key(|p| (p.position, p.id));
    specific.first().copied().or_else(|| policies.iter().find(|p| p.is_default))
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The wire form for `POST`/`PUT /api/v1/survey-policies`. Missing fields take the
/// default policy's values (on create) or keep their current ones (on update).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub position: Option<i64>,
    pub scope: Option<PolicyScope>,
    pub trigger: Option<String>,
    pub sample_percent: Option<f64>,
    pub cooldown_days: Option<i64>,
    pub delay_minutes: Option<i64>,
    pub expiry_days: Option<i64>,
    pub reminders: Option<i64>,
    pub reminder_gap_days: Option<i64>,
    pub exclude_organizations: Option<Vec<String>>,
    pub exclude_email_patterns: Option<Vec<String>>,
    pub scale: Option<u8>,
    pub ask_nps: Option<bool>,
    pub ask_effort: Option<bool>,
    pub ask_comment: Option<bool>,
    pub reasons_positive: Option<Vec<String>>,
    pub reasons_negative: Option<Vec<String>>,
    pub change_window_hours: Option<i64>,
    pub visits_exempt_from_cooldown: Option<bool>,
    /// Replaces the follow-up rules whole; fields left out take their defaults.
    pub follow_up: Option<crate::followup::FollowUpRules>,
}

impl PolicyInput {
    /// Applies the input on top of `base`, checking every field.
    pub fn apply_to(&self, base: &SurveyPolicy) -> Result<SurveyPolicy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut p = base.clone();
        let mut range = |field: &str, value: Option<i64>, min: i64, max: i64, target: &mut u32| {
            if let Some(v) = value {
                if (min..=max).contains(&v) {
                    *target = v as u32;
                } else {
                    errors.push(FieldError::new(field, format!("must be between {min} and {max}")));
                }
            }
        };
        range("cooldown_days", self.cooldown_days, 0, 3650, &mut p.cooldown_days);
        range("delay_minutes", self.delay_minutes, 0, 60 * 24 * 30, &mut p.delay_minutes);
        range("expiry_days", self.expiry_days, 1, 365, &mut p.expiry_days);
        range("reminders", self.reminders, 0, 2, &mut p.reminders);
        range("reminder_gap_days", self.reminder_gap_days, 1, 60, &mut p.reminder_gap_days);
        range("change_window_hours", self.change_window_hours, 0, 24 * 30, &mut p.change_window_hours);
        if let Some(name) = &self.name {
            match crate::text::clean_line(name, 100) {
                Some(name) => p.name = name,
                None => errors.push(FieldError::new("name", "must not be empty")),
            }
        }
        if let Some(trigger) = &self.trigger {
            match trigger.trim().to_ascii_lowercase().as_str() {
                "closed" => p.trigger = Trigger::Closed,
                "resolved" => p.trigger = Trigger::Resolved,
                _ => errors.push(FieldError::new("trigger", "must be \"resolved\" or \"closed\"")),
            }
        }
        if let Some(rate) = self.sample_percent {
            if rate.is_finite() && (0.0..=100.0).contains(&rate) {
                p.sample_percent = (rate * 100.0).round() / 100.0;
            } else {
                errors.push(FieldError::new("sample_percent", "must be between 0 and 100"));
            }
        }
        if let Some(scale) = self.scale {
            match CsatScale::from_points(scale) {
                Some(scale) => p.scale = scale,
                None => errors.push(FieldError::new("scale", "must be 5 or 3")),
            }
        }
        let mut list = |field: &str, value: &Option<Vec<String>>, target: &mut Vec<String>| {
            if let Some(items) = value {
                let cleaned: Vec<String> = items.iter().filter_map(|i| crate::text::clean_line(i, 100)).collect();
                if cleaned.len() > 30 {
                    errors.push(FieldError::new(field, "may hold at most 30 entries"));
                } else {
                    *target = cleaned;
                }
            }
        };
        list("exclude_organizations", &self.exclude_organizations, &mut p.exclude_organizations);
        list("exclude_email_patterns", &self.exclude_email_patterns, &mut p.exclude_email_patterns);
        list("reasons_positive", &self.reasons_positive, &mut p.reasons_positive);
        list("reasons_negative", &self.reasons_negative, &mut p.reasons_negative);
        if let Some(scope) = &self.scope {
            let clean = |v: &Option<String>| v.as_deref().and_then(|s| crate::text::clean_line(s, 200));
            p.scope = PolicyScope {
                team: clean(&scope.team),
                category: clean(&scope.category),
                priority: clean(&scope.priority),
                organization: clean(&scope.organization),
            };
        }
        if let Some(v) = self.enabled {
            p.enabled = v;
        }
        if let Some(v) = self.position {
            p.position = v;
        }
        if let Some(v) = self.ask_nps {
            p.ask_nps = v;
        }
        if let Some(v) = self.ask_effort {
            p.ask_effort = v;
        }
        if let Some(v) = self.ask_comment {
            p.ask_comment = v;
        }
        if let Some(v) = self.visits_exempt_from_cooldown {
            p.visits_exempt_from_cooldown = v;
        }
        if let Some(rules) = &self.follow_up {
            match rules.check() {
                Ok(()) => p.follow_up = rules.clone(),
                Err(problems) => errors
                    .extend(problems.into_iter().map(|e| FieldError::new(format!("follow_up.{}", e.field), e.message))),
            }
        }
        if !p.is_default && p.scope == PolicyScope::default() {
            errors.push(FieldError::new(
                "scope",
                "a policy other than the default must name a team, category, priority or organization",
            ));
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_staff_domains_and_prefixes() {
        assert!(glob_matches("*@desk.example", "tom@desk.example"));
        assert!(!glob_matches("*@desk.example", "tom@desk.example.org"));
        assert!(glob_matches("noreply*", "noreply-it@example.com"));
        assert!(glob_matches("a*b*c", "axxbyyc"));
        assert!(!glob_matches("a*b*c", "ac"));
        assert!(glob_matches("exact@x.com", "exact@x.com"));
    }

    #[test]
    fn invalid_fields_are_named_and_valid_ones_applied() {
        let base = SurveyPolicy::default_policy();
        let input = PolicyInput {
            sample_percent: Some(130.0),
            reminders: Some(3),
            trigger: Some("whenever".into()),
            scale: Some(7),
            cooldown_days: Some(10),
            ..PolicyInput::default()
        };
        let fields: Vec<String> = input.apply_to(&base).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["reminders", "trigger", "sample_percent", "scale"]);
        let ok = PolicyInput { sample_percent: Some(30.0), cooldown_days: Some(10), ..PolicyInput::default() };
        let policy = ok.apply_to(&base).unwrap();
        assert_eq!((policy.sample_percent, policy.cooldown_days), (30.0, 10));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let parsed: Result<PolicyInput, _> = serde_json::from_str(r#"{"sample_rate": 30}"#);
        assert!(parsed.is_err());
    }

    #[test]
    fn the_most_specific_policy_by_position_wins_and_the_default_catches_the_rest() {
        let default = SurveyPolicy::default_policy();
        let mut hardware = SurveyPolicy { id: 2, is_default: false, position: 2, ..default.clone() };
        hardware.scope.category = Some("Hardware".into());
        let mut vip_org = SurveyPolicy { id: 3, is_default: false, position: 1, ..default.clone() };
        vip_org.scope.organization = Some("Finance".into());
        let policies = vec![default, hardware, vip_org];
        let facts = ScopeFacts { category: Some("hardware"), organization: Some("Finance"), ..ScopeFacts::default() };
        assert_eq!(policy_for(&policies, &facts).unwrap().id, 3);
        let facts = ScopeFacts { category: Some("Hardware"), ..ScopeFacts::default() };
        assert_eq!(policy_for(&policies, &facts).unwrap().id, 2);
        assert!(policy_for(&policies, &ScopeFacts::default()).unwrap().is_default);
    }
}
