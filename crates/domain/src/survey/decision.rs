//! Whether to ask a customer about a ticket, and why (or why not). Every ticket that
//! reaches its policy's trigger gets a decision with its reason, so nobody wonders why
//! a survey was, or was not, sent.

use super::policy::SurveyPolicy;
use crate::time::Millis;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyDecision {
    Invited,
    SampledOut,
    CoolDown,
    Excluded,
    OptedOut,
    NoEmail,
    ReopenedBeforeSending,
    PolicyDisabled,
}

impl SurveyDecision {
    pub const ALL: [SurveyDecision; 8] = [
        Self::Invited,
        Self::SampledOut,
        Self::CoolDown,
        Self::Excluded,
        Self::OptedOut,
        Self::NoEmail,
        Self::ReopenedBeforeSending,
        Self::PolicyDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::SampledOut => "sampled_out",
            Self::CoolDown => "cool_down",
            Self::Excluded => "excluded",
            Self::OptedOut => "opted_out",
            Self::NoEmail => "no_email",
            Self::ReopenedBeforeSending => "reopened_before_sending",
            Self::PolicyDisabled => "policy_disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// What the decision looks at, gathered by the caller from the database.
#[derive(Debug, Clone)]
pub struct DecisionFacts<'a> {
    /// Stable across databases and re-imports: `source:external_id`.
    pub ticket_key: &'a str,
    pub email: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub opted_out: bool,
    /// When this customer was last sent a survey, if ever.
    pub last_surveyed_at: Option<Millis>,
    pub now: Millis,
    /// Visit surveys may be exempt from the cool-down.
    pub is_visit: bool,
}

/// The decision and a sentence saying why, for people.
pub fn decide(policy: &SurveyPolicy, sampling_key: &[u8], facts: &DecisionFacts<'_>) -> (SurveyDecision, String) {
    if !policy.enabled {
        return (SurveyDecision::PolicyDisabled, format!("policy \"{}\" is disabled", policy.name));
    }
    // A visit card reaches the customer on paper: no email address is needed for it.
    if facts.email.is_none() && !facts.is_visit {
        return (SurveyDecision::NoEmail, "the requester has no email address".into());
    }
    if facts.opted_out {
        return (SurveyDecision::OptedOut, "the customer opted out of surveys".into());
    }
    if policy.excludes_organization(facts.organization) {
        let org = facts.organization.unwrap_or_default();
        return (SurveyDecision::Excluded, format!("organization \"{org}\" is excluded by policy \"{}\"", policy.name));
    }
    if let Some(email) = facts.email.filter(|email| policy.excludes_email(email)) {
        return (
            SurveyDecision::Excluded,
            format!("{email} matches an excluded email pattern of policy \"{}\"", policy.name),
        );
    }
    let cooldown_applies = !(facts.is_visit && policy.visits_exempt_from_cooldown);
    if let Some(last) = facts.last_surveyed_at.filter(|_| cooldown_applies && policy.cooldown_days > 0) {
        let until = last + i64::from(policy.cooldown_days) * 86_400_000;
        if facts.now < until {
            return (
                SurveyDecision::CoolDown,
                format!(
                    "the customer was surveyed {} ago; cool-down is {} days",
                    human_age(facts.now - last),
                    policy.cooldown_days
                ),
            );
        }
    }
    // A visit survey card is left on the desk by hand: every visit gets one, no sample.
    if !facts.is_visit && !sampled_in(sampling_key, policy.id, facts.ticket_key, policy.sample_percent) {
        return (SurveyDecision::SampledOut, format!("not in the {}% sample", policy.sample_percent));
    }
    (SurveyDecision::Invited, format!("policy \"{}\"", policy.name))
}

/// Reproducible, auditable sampling: a keyed hash of the ticket and policy, read as a
/// number in [0, 10000), compared with the rate in hundredths of a percent. The same
/// ticket and policy always give the same answer; the desk's key keeps it unguessable.
pub fn sampled_in(key: &[u8], policy_id: i64, ticket_key: &str, percent: f64) -> bool {
    sample_point(key, policy_id, ticket_key) < (percent * 100.0).round() as u64
}

pub fn sample_point(key: &[u8], policy_id: i64, ticket_key: &str) -> u64 {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&policy_id.to_be_bytes());
    mac.update(ticket_key.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

fn human_age(ms: Millis) -> String {
    let days = ms / 86_400_000;
    if days >= 1 {
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    } else {
        format!("{} hours", ms / 3_600_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &[u8] = b"test sampling key";
    const DAY: Millis = 86_400_000;

    fn facts(key: &str) -> DecisionFacts<'_> {
        DecisionFacts {
            ticket_key: key,
            email: Some("ana@example.com"),
            organization: Some("Finance"),
            opted_out: false,
            last_surveyed_at: None,
            now: 100 * DAY,
            is_visit: false,
        }
    }

    #[test]
    fn thirty_percent_sampling_invites_close_to_thirty_percent_of_ten_thousand_tickets() {
        let policy = SurveyPolicy { sample_percent: 30.0, ..SurveyPolicy::default_policy() };
        let keys: Vec<String> = (0..10_000).map(|n| format!("api:INC{n:07}")).collect();
        let invited = keys.iter().filter(|k| decide(&policy, KEY, &facts(k)).0 == SurveyDecision::Invited).count();
        assert!((2_800..=3_200).contains(&invited), "{invited} invited");
    }

    #[test]
    fn each_reason_not_to_ask_is_given_in_order() {
        let policy = SurveyPolicy::default_policy();
        let mut f = facts("api:1");
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::Invited);
        f.last_surveyed_at = Some(f.now - 10 * DAY);
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::CoolDown);
        f.last_surveyed_at = Some(f.now - 31 * DAY);
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::Invited);
        let excluded = SurveyPolicy { exclude_email_patterns: vec!["*@EXAMPLE.com".into()], ..policy.clone() };
        assert_eq!(decide(&excluded, KEY, &f).0, SurveyDecision::Excluded);
        let excluded = SurveyPolicy { exclude_organizations: vec!["finance".into()], ..policy.clone() };
        assert_eq!(decide(&excluded, KEY, &f).0, SurveyDecision::Excluded);
        f.opted_out = true;
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::OptedOut);
        f.email = None;
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::NoEmail);
        let disabled = SurveyPolicy { enabled: false, ..policy };
        assert_eq!(decide(&disabled, KEY, &f).0, SurveyDecision::PolicyDisabled);
    }

    #[test]
    fn visits_may_be_exempt_from_the_cool_down() {
        let policy = SurveyPolicy { visits_exempt_from_cooldown: true, ..SurveyPolicy::default_policy() };
        let mut f = facts("api:1");
        f.last_surveyed_at = Some(f.now - DAY);
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::CoolDown);
        f.is_visit = true;
        assert_eq!(decide(&policy, KEY, &f).0, SurveyDecision::Invited);
    }

    proptest! {
        #[test]
        fn the_decision_for_a_ticket_never_changes(ticket in "[a-z]{1,8}:[A-Z0-9]{1,12}", percent in 0.0f64..=100.0) {
            let policy = SurveyPolicy { sample_percent: percent, ..SurveyPolicy::default_policy() };
            let first = decide(&policy, KEY, &facts(&ticket)).0;
            prop_assert_eq!(decide(&policy, KEY, &facts(&ticket)).0, first);
        }

        #[test]
        fn zero_percent_asks_nobody_and_a_hundred_asks_everybody(ticket in "\\PC{1,30}") {
            let none = SurveyPolicy { sample_percent: 0.0, ..SurveyPolicy::default_policy() };
            let all = SurveyPolicy::default_policy();
            prop_assert_eq!(decide(&none, KEY, &facts(&ticket)).0, SurveyDecision::SampledOut);
            prop_assert_eq!(decide(&all, KEY, &facts(&ticket)).0, SurveyDecision::Invited);
        }
    }
}
