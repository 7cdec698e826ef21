//! The policy form's follow-up rules: what answers lead to (recovery cases, check-ins),
//! who owns a case and how soon it is due. Each input is named after the rule's field
//! (`follow_up.grace_minutes`…), so the domain's checks land next to their inputs.

use super::form::{Group, Input};
use super::{lines, whole_number};
use rapport_domain::followup::{FollowUpRules, RecoveryOwner};
use rapport_domain::FieldError;

/// The rules as the form shows and sends them.
#[derive(Debug, Clone, Default)]
pub(super) struct FollowUpValues {
    enabled: bool,
    recovery_csat_max: String,
    recovery_nps_max: String,
    checkin_csat_min: String,
    checkin_nps_min: String,
    grace_minutes: String,
    owner: String,
    queue: String,
    first_contact_business_minutes: String,
    resolve_business_days: String,
    checkin_business_days: String,
    checkins_automatic: bool,
    acknowledge_customer: bool,
    service_gaps: String,
    acknowledgement: String,
}

impl FollowUpValues {
    pub(super) fn of(rules: &FollowUpRules) -> FollowUpValues {
        let (owner, queue) = match &rules.recovery_owner {
            RecoveryOwner::TeamLead => ("team_lead", ""),
            RecoveryOwner::Queue { name } => ("queue", name.as_str()),
            RecoveryOwner::Agent => ("agent", ""),
        };
        FollowUpValues {
            enabled: rules.enabled,
            recovery_csat_max: rules.recovery_csat_max.to_string(),
            recovery_nps_max: rules.recovery_nps_max.to_string(),
            checkin_csat_min: rules.checkin_csat_min.to_string(),
            checkin_nps_min: rules.checkin_nps_min.to_string(),
            grace_minutes: rules.grace_minutes.to_string(),
            owner: owner.to_string(),
            queue: queue.to_string(),
            first_contact_business_minutes: rules.first_contact_business_minutes.to_string(),
            resolve_business_days: rules.resolve_business_days.to_string(),
            checkin_business_days: rules.checkin_business_days.to_string(),
            checkins_automatic: rules.checkins_automatic,
            acknowledge_customer: rules.acknowledge_customer,
            service_gaps: rules.service_gaps.join("\n"),
            acknowledgement: rules.acknowledgement.clone().unwrap_or_default(),
        }
    }

    /// Takes a submitted field if it is one of the rules'; `false` if it is not.
    pub(super) fn take(&mut self, key: &str, text: String) -> bool {
        let Some(field) = key.strip_prefix("follow_up.") else { return false };
        match field {
            "enabled" => self.enabled = true,
            "recovery_csat_max" => self.recovery_csat_max = text,
            "recovery_nps_max" => self.recovery_nps_max = text,
            "checkin_csat_min" => self.checkin_csat_min = text,
            "checkin_nps_min" => self.checkin_nps_min = text,
            "grace_minutes" => self.grace_minutes = text,
            "recovery_owner" => self.owner = text,
            "queue" => self.queue = text,
            "first_contact_business_minutes" => self.first_contact_business_minutes = text,
            "resolve_business_days" => self.resolve_business_days = text,
            "checkin_business_days" => self.checkin_business_days = text,
            "checkins_automatic" => self.checkins_automatic = true,
            "acknowledge_customer" => self.acknowledge_customer = true,
            "service_gaps" => self.service_gaps = text,
            "acknowledgement" => self.acknowledgement = text,
            _ => return false,
        }
        true
    }

    /// The rules, adding to `errors` the fields that are not even whole numbers (taken as 0,
    /// so that the domain, which checks the ranges as for the API, still reports the rest;
    /// the form shows only the first error of a field).
    pub(super) fn to_rules(&self, errors: &mut Vec<FieldError>) -> FollowUpRules {
        let mut whole = |field: &str, raw: &str| -> u32 {
            let name = format!("follow_up.{field}");
            whole_number(errors, &name, raw, "must be a whole number, 0 or more").unwrap_or(0)
        };
        // Above a u8, a threshold is out of its range all the same: the domain says so.
        let small = |value: u32| u8::try_from(value).unwrap_or(u8::MAX);
        let recovery_owner = match self.owner.as_str() {
            "queue" => RecoveryOwner::Queue { name: self.queue.trim().to_string() },
            "agent" => RecoveryOwner::Agent,
            _ => RecoveryOwner::TeamLead,
        };
        FollowUpRules {
            enabled: self.enabled,
            recovery_csat_max: small(whole("recovery_csat_max", &self.recovery_csat_max)),
            recovery_nps_max: small(whole("recovery_nps_max", &self.recovery_nps_max)),
            checkin_csat_min: small(whole("checkin_csat_min", &self.checkin_csat_min)),
            checkin_nps_min: small(whole("checkin_nps_min", &self.checkin_nps_min)),
            grace_minutes: whole("grace_minutes", &self.grace_minutes),
            recovery_owner,
            first_contact_business_minutes: whole(
                "first_contact_business_minutes",
                &self.first_contact_business_minutes,
            ),
            resolve_business_days: whole("resolve_business_days", &self.resolve_business_days),
            checkin_business_days: whole("checkin_business_days", &self.checkin_business_days),
            checkins_automatic: self.checkins_automatic,
            acknowledge_customer: self.acknowledge_customer,
            service_gaps: lines(&self.service_gaps),
            acknowledgement: Some(self.acknowledgement.trim().to_string()).filter(|text| !text.is_empty()),
        }
    }

    pub(super) fn group(&self) -> Group {
        let v = self;
        Group::new(
            "follow_up",
            "Follow-ups",
            "What answers lead to. A case or check-in fires after the grace time, so a misclicked face can \
             be corrected first; due times count the desk's business hours.",
            vec![
                Input::check(
                    "follow_up.enabled",
                    "Answers lead to follow-ups",
                    "When off, answers to this policy's surveys open no recovery cases and schedule no check-ins.",
                    v.enabled,
                ),
                Input::number(
                    "follow_up.recovery_csat_max",
                    "Recovery case at CSAT (or lower)",
                    "On the 5-point scale, 1 to 5 (a 3-point answer counts as 1, 3 or 5).",
                    &v.recovery_csat_max,
                    ["1", "5", "1"],
                ),
                Input::number(
                    "follow_up.recovery_nps_max",
                    "Recovery case at NPS (or lower)",
                    "When NPS is asked, 0 to 10.",
                    &v.recovery_nps_max,
                    ["0", "10", "1"],
                ),
                Input::number(
                    "follow_up.checkin_csat_min",
                    "Check-in at CSAT (or higher)",
                    "1 to 5, above the recovery threshold.",
                    &v.checkin_csat_min,
                    ["1", "5", "1"],
                ),
                Input::number(
                    "follow_up.checkin_nps_min",
                    "Check-in at NPS (or higher)",
                    "0 to 10, above the recovery threshold.",
                    &v.checkin_nps_min,
                    ["0", "10", "1"],
                ),
                Input::number(
                    "follow_up.grace_minutes",
                    "Grace time (minutes)",
                    "Wall-clock minutes between the answer and its follow-up. 0 to 60.",
                    &v.grace_minutes,
                    ["0", "60", "1"],
                ),
                Input::select(
                    "follow_up.recovery_owner",
                    "Recovery cases go to",
                    "Who is alerted and owns the case.",
                    &v.owner,
                    vec![
                        ("team_lead", "The team lead of the ticket's team"),
                        ("queue", "A queue (named below)"),
                        ("agent", "The technician of the ticket"),
                    ],
                ),
                Input::text(
                    "follow_up.queue",
                    "Queue",
                    "Only when cases go to a queue: its name, e.g. Service recovery.",
                    &v.queue,
                ),
                Input::number(
                    "follow_up.first_contact_business_minutes",
                    "First contact within (business minutes)",
                    "From the case opening to the first contact with the customer. 15 to 10080.",
                    &v.first_contact_business_minutes,
                    ["15", "10080", "1"],
                ),
                Input::number(
                    "follow_up.resolve_business_days",
                    "Resolved within (business days)",
                    "1 to 30.",
                    &v.resolve_business_days,
                    ["1", "30", "1"],
                ),
                Input::check(
                    "follow_up.acknowledge_customer",
                    "Acknowledge the customer by email when a case opens",
                    "Tells the customer who will contact them, and by when.",
                    v.acknowledge_customer,
                ),
                Input::lines(
                    "follow_up.acknowledgement",
                    "The acknowledgement in the desk's own words",
                    "Empty: the translated default. Placeholders: {first_name}, {ticket}, {title}, {owner}, {due}, \
                     {desk}.",
                    &v.acknowledgement,
                ),
                Input::number(
                    "follow_up.checkin_business_days",
                    "Check-in after (business days)",
                    "From a positive answer to the check-in. 1 to 30.",
                    &v.checkin_business_days,
                    ["1", "30", "1"],
                ),
                Input::check(
                    "follow_up.checkins_automatic",
                    "Send check-ins automatically",
                    "Off: a due check-in waits for the technician to send it with one click and a personal note.",
                    v.checkins_automatic,
                ),
                Input::lines(
                    "follow_up.service_gaps",
                    "Service gaps",
                    "What a closed recovery case is filed under, for trend reports. One per line, at most 30.",
                    &v.service_gaps,
                ),
            ],
        )
    }
}

/// The saved rules as sentences a desk lead can check.
pub(super) fn words(rules: &FollowUpRules) -> Vec<String> {
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
