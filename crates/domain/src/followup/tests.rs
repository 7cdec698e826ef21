use super::*;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;
use FollowUpKind::{CheckIn, Recovery};
use FollowUpState::{Cancelled, Done, InProgress, Open, Pending};

fn rules() -> FollowUpRules {
    FollowUpRules::default()
}

fn fields(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

fn lisbon() -> BusinessCalendar {
    BusinessCalendar::from_settings("Europe/Lisbon", "09:00", "17:00", "mon,tue,wed,thu,fri").unwrap()
}

/// A Lisbon wall-clock time ("YYYY-MM-DD HH:MM") as an instant.
fn at(local: &str) -> Millis {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    Tz::Europe__Lisbon.from_local_datetime(&naive).earliest().unwrap().timestamp_millis()
}

/// An instant as the Lisbon desk's clock shows it.
fn show(ms: Millis) -> String {
    let utc = crate::time::from_millis(ms).naive_utc();
    Tz::Europe__Lisbon.from_utc_datetime(&utc).format("%a %Y-%m-%d %H:%M").to_string()
}

#[test]
fn default_rules_classify_csat_alone() {
    let r = rules();
    let by_score: Vec<Option<FollowUpKind>> = (1..=5).map(|csat| follow_up_for(&r, csat, None)).collect();
    assert_eq!(by_score, [Some(Recovery), Some(Recovery), None, Some(CheckIn), Some(CheckIn)]);
    // The 3-point scale is stored as 1, 3, 5: "not good" recovers, "okay" is neutral, "great" checks in.
    let three = crate::survey::CsatScale::Three;
    let by_face: Vec<Option<FollowUpKind>> = (1..=3).map(|s| follow_up_for(&r, three.to_five(s), None)).collect();
    assert_eq!(by_face, [Some(Recovery), None, Some(CheckIn)]);
}

#[test]
fn a_negative_signal_wins_and_either_positive_one_checks_in() {
    let r = rules();
    assert_eq!(follow_up_for(&r, 5, Some(5)), Some(Recovery), "a detractor NPS beats a top CSAT");
    assert_eq!(follow_up_for(&r, 5, Some(6)), Some(Recovery));
    assert_eq!(follow_up_for(&r, 2, Some(10)), Some(Recovery), "a poor CSAT beats a promoter NPS");
    assert_eq!(follow_up_for(&r, 3, Some(9)), Some(CheckIn), "a promoter with an okay ticket gets a check-in");
    assert_eq!(follow_up_for(&r, 3, Some(7)), None, "passive NPS and neutral CSAT");
    assert_eq!(follow_up_for(&r, 4, Some(8)), Some(CheckIn), "a passive NPS does not block a good CSAT");
    assert_eq!(follow_up_for(&r, 5, Some(0)), Some(Recovery));
    let off = FollowUpRules { enabled: false, ..rules() };
    assert_eq!(follow_up_for(&off, 1, Some(0)), None);
    assert_eq!(follow_up_for(&off, 5, Some(10)), None);
}

#[test]
fn reconcile_follows_the_table() {
    use Reconcile::{Cancel, Create, Keep, Replace};
    type Existing = Option<(FollowUpKind, FollowUpState)>;
    let table: [(Existing, Option<FollowUpKind>, Reconcile); 33] = [
        // Nothing yet, or only a cancelled one: create what is wanted.
        (None, None, Keep),
        (None, Some(Recovery), Create(Recovery)),
        (None, Some(CheckIn), Create(CheckIn)),
        (Some((Recovery, Cancelled)), None, Keep),
        (Some((Recovery, Cancelled)), Some(Recovery), Create(Recovery)),
        (Some((Recovery, Cancelled)), Some(CheckIn), Create(CheckIn)),
        (Some((CheckIn, Cancelled)), None, Keep),
        (Some((CheckIn, Cancelled)), Some(Recovery), Create(Recovery)),
        (Some((CheckIn, Cancelled)), Some(CheckIn), Create(CheckIn)),
        // A recovery not yet worked follows the answer.
        (Some((Recovery, Pending)), None, Cancel),
        (Some((Recovery, Pending)), Some(Recovery), Keep),
        (Some((Recovery, Pending)), Some(CheckIn), Replace { cancel: Recovery, create: CheckIn }),
        (Some((Recovery, Open)), None, Cancel),
        (Some((Recovery, Open)), Some(Recovery), Keep),
        (Some((Recovery, Open)), Some(CheckIn), Replace { cancel: Recovery, create: CheckIn }),
        // A recovery someone started or finished stays.
        (Some((Recovery, InProgress)), None, Keep),
        (Some((Recovery, InProgress)), Some(Recovery), Keep),
        (Some((Recovery, InProgress)), Some(CheckIn), Keep),
        (Some((Recovery, Done)), None, Keep),
        (Some((Recovery, Done)), Some(Recovery), Keep),
        (Some((Recovery, Done)), Some(CheckIn), Keep),
        // An unsent check-in follows the answer; a sent one stays, with a recovery beside it if needed.
        (Some((CheckIn, Pending)), None, Cancel),
        (Some((CheckIn, Pending)), Some(Recovery), Replace { cancel: CheckIn, create: Recovery }),
        (Some((CheckIn, Pending)), Some(CheckIn), Keep),
        (Some((CheckIn, Open)), None, Cancel),
        (Some((CheckIn, Open)), Some(Recovery), Replace { cancel: CheckIn, create: Recovery }),
        (Some((CheckIn, Open)), Some(CheckIn), Keep),
        (Some((CheckIn, InProgress)), None, Cancel),
        (Some((CheckIn, InProgress)), Some(Recovery), Replace { cancel: CheckIn, create: Recovery }),
        (Some((CheckIn, InProgress)), Some(CheckIn), Keep),
        (Some((CheckIn, Done)), None, Keep),
        (Some((CheckIn, Done)), Some(Recovery), Create(Recovery)),
        (Some((CheckIn, Done)), Some(CheckIn), Keep),
    ];
    for (existing, wanted, expected) in table {
        assert_eq!(reconcile(existing, wanted), expected, "existing {existing:?}, wanted {wanted:?}");
    }
}

#[test]
fn changing_a_misclick_within_the_grace_window_swaps_the_follow_up() {
    let r = rules();
    // 1 (misclick) → recovery pending; corrected to 5 → the recovery is replaced by a check-in.
    let first = follow_up_for(&r, 1, None);
    assert_eq!(reconcile(None, first), Reconcile::Create(Recovery));
    let second = follow_up_for(&r, 5, None);
    assert_eq!(reconcile(Some((Recovery, Pending)), second), Reconcile::Replace { cancel: Recovery, create: CheckIn });
}

#[test]
fn states_and_kinds_round_trip_through_text() {
    for state in FollowUpState::ALL {
        assert_eq!(FollowUpState::parse(state.as_str()), Some(state));
        assert_eq!(serde_json::to_string(&state).unwrap(), format!("\"{}\"", state.as_str()));
    }
    assert_eq!(FollowUpState::parse(" In_Progress "), Some(InProgress));
    assert_eq!(FollowUpState::parse("closed"), None);
    let finished: Vec<FollowUpState> = FollowUpState::ALL.into_iter().filter(|s| s.is_finished()).collect();
    assert_eq!(finished, [Done, Cancelled]);
    for kind in [Recovery, CheckIn] {
        assert_eq!(FollowUpKind::parse(kind.as_str()), Some(kind));
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.as_str()));
    }
    assert_eq!(FollowUpKind::parse("checkin"), None);
}

#[test]
fn recovery_steps_are_ordered_named_and_titled() {
    let names: Vec<&str> = RecoveryStep::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["acknowledge", "apologise", "listen", "fix", "confirm", "root_cause", "check_back"]);
    for step in RecoveryStep::ALL {
        assert_eq!(RecoveryStep::parse(step.as_str()), Some(step));
        assert_eq!(serde_json::to_string(&step).unwrap(), format!("\"{}\"", step.as_str()));
    }
    assert_eq!(RecoveryStep::parse("ROOT_CAUSE"), Some(RecoveryStep::RootCause));
    assert_eq!(RecoveryStep::parse("apologize"), None);
    assert_eq!(RecoveryStep::Acknowledge.title(), "Acknowledge and thank");
    assert_eq!(RecoveryStep::RootCause.title(), "Record the root cause and service gap");
    assert_eq!(RecoveryStep::CheckBack.title(), "Check back later");
}

#[test]
fn the_default_rules_pass_their_own_check() {
    assert_eq!(rules().check(), Ok(()));
    assert_eq!(rules().service_gaps.len(), 9);
    let queue = FollowUpRules { recovery_owner: RecoveryOwner::Queue { name: "Service recovery".into() }, ..rules() };
    assert_eq!(queue.check(), Ok(()));
    let edges = FollowUpRules {
        grace_minutes: 0,
        first_contact_business_minutes: 10_080,
        resolve_business_days: 30,
        checkin_business_days: 1,
        recovery_csat_max: 4,
        checkin_csat_min: 5,
        recovery_nps_max: 0,
        checkin_nps_min: 1,
        ..rules()
    };
    assert_eq!(edges.check(), Ok(()));
}

#[test]
fn check_names_every_bad_field_once() {
    let bad = FollowUpRules {
        recovery_csat_max: 0,
        recovery_nps_max: 11,
        checkin_csat_min: 6,
        checkin_nps_min: 11,
        grace_minutes: 61,
        first_contact_business_minutes: 14,
        resolve_business_days: 0,
        checkin_business_days: 31,
        recovery_owner: RecoveryOwner::Queue { name: " \u{7} ".into() },
        service_gaps: Vec::new(),
        ..rules()
    };
    assert_eq!(
        fields(bad.check().unwrap_err()),
        [
            "recovery_csat_max",
            "recovery_nps_max",
            "checkin_csat_min",
            "checkin_nps_min",
            "grace_minutes",
            "first_contact_business_minutes",
            "resolve_business_days",
            "checkin_business_days",
            "recovery_owner",
            "service_gaps",
        ]
    );
}

#[test]
fn recovery_thresholds_must_sit_below_check_in_thresholds() {
    let overlap = FollowUpRules { recovery_csat_max: 3, checkin_csat_min: 3, recovery_nps_max: 9, ..rules() };
    let errors = overlap.check().unwrap_err();
    assert_eq!(fields(errors.clone()), ["checkin_csat_min", "checkin_nps_min"]);
    assert_eq!(errors[0].message, "must be above recovery_csat_max (3)");
    // An out-of-range threshold is reported once, not again as an overlap.
    let out = FollowUpRules { recovery_csat_max: 9, ..rules() };
    assert_eq!(fields(out.check().unwrap_err()), ["recovery_csat_max"]);
}

#[test]
fn service_gaps_must_be_few_short_filled_and_distinct() {
    let with = |gaps: Vec<String>| FollowUpRules { service_gaps: gaps, ..rules() }.check();
    let message = |gaps: Vec<String>| with(gaps).unwrap_err().remove(0).message;
    assert_eq!(message(vec![]), "must list at least one service gap");
    assert_eq!(message((0..31).map(|i| format!("Gap {i}")).collect()), "may hold at most 30 entries");
    assert!(with((0..30).map(|i| format!("Gap {i}")).collect()).is_ok());
    assert_eq!(message(vec!["Slow".into(), "  ".into()]), "entries must not be blank");
    assert_eq!(message(vec!["x".repeat(81)]), "entries must be at most 80 characters");
    assert!(with(vec!["é".repeat(80)]).is_ok(), "characters, not bytes");
    assert_eq!(message(vec!["Slow".into(), " slow ".into()]), "entries must differ from each other");
}

#[test]
fn rules_serialize_with_defaults_for_missing_fields() {
    let parsed: FollowUpRules = serde_json::from_str("{}").unwrap();
    assert_eq!(parsed, rules());
    let parsed: FollowUpRules =
        serde_json::from_str(r#"{"grace_minutes": 10, "recovery_owner": {"kind": "queue", "name": "Recovery"}}"#)
            .unwrap();
    assert_eq!(parsed.grace_minutes, 10);
    assert_eq!(parsed.recovery_owner, RecoveryOwner::Queue { name: "Recovery".into() });
    assert_eq!(parsed.service_gaps, rules().service_gaps);
    let custom = FollowUpRules { recovery_owner: RecoveryOwner::Agent, checkins_automatic: true, ..rules() };
    let json = serde_json::to_string(&custom).unwrap();
    assert_eq!(serde_json::from_str::<FollowUpRules>(&json).unwrap(), custom);
}

#[test]
fn recovery_owners_are_tagged_by_kind() {
    let cases = [
        (RecoveryOwner::TeamLead, r#"{"kind":"team_lead"}"#),
        (RecoveryOwner::Queue { name: "Recovery".into() }, r#"{"kind":"queue","name":"Recovery"}"#),
        (RecoveryOwner::Agent, r#"{"kind":"agent"}"#),
    ];
    for (owner, json) in cases {
        assert_eq!(serde_json::to_string(&owner).unwrap(), json);
        assert_eq!(serde_json::from_str::<RecoveryOwner>(json).unwrap(), owner);
    }
    assert!(serde_json::from_str::<RecoveryOwner>(r#"{"kind":"queue"}"#).is_err(), "a queue needs its name");
    assert_eq!(RecoveryOwner::default(), RecoveryOwner::TeamLead);
}

#[test]
fn closing_needs_a_root_cause_a_listed_gap_and_the_outcome() {
    let input = CloseRecovery {
        root_cause: Some("  Toner ordered late;\r\nreorder point was too low.\u{0} ".into()),
        service_gap: Some(" fix DID not last ".into()),
        resolved: Some(true),
    };
    let closed = check_close(&rules(), &input).unwrap();
    assert_eq!(closed.root_cause, "Toner ordered late;\nreorder point was too low.");
    assert_eq!(closed.service_gap, "Fix did not last", "spelled as in the list");
    assert!(closed.resolved);

    let missing = check_close(&rules(), &CloseRecovery::default()).unwrap_err();
    assert_eq!(fields(missing), ["root_cause", "service_gap", "resolved"]);
    let blank = CloseRecovery { root_cause: Some(" \n ".into()), service_gap: Some("".into()), resolved: Some(false) };
    assert_eq!(fields(check_close(&rules(), &blank).unwrap_err()), ["root_cause", "service_gap"]);
}

#[test]
fn closing_refuses_unknown_gaps_and_essays() {
    let input = CloseRecovery {
        root_cause: Some("x".repeat(2_001)),
        service_gap: Some("Bad luck".into()),
        resolved: Some(false),
    };
    let errors = check_close(&rules(), &input).unwrap_err();
    assert_eq!(fields(errors.clone()), ["root_cause", "service_gap"]);
    assert_eq!(errors[0].message, "is longer than 2000 characters");
    assert_eq!(errors[1].message, "must be one of the desk's service gaps");
    let exact = CloseRecovery { root_cause: Some("x".repeat(2_000)), service_gap: Some("Other".into()), ..input };
    assert!(!check_close(&rules(), &exact).unwrap().resolved);
}

#[test]
fn a_friday_afternoon_complaint_is_due_on_monday_and_resolved_by_tuesday() {
    // 2026-03-20 is a Friday; Lisbon is on UTC+0.
    let due = recovery_due(&rules(), &lisbon(), at("2026-03-20 16:00"));
    assert_eq!(show(due.first_contact_due), "Mon 2026-03-23 12:00");
    assert_eq!(show(due.resolve_due), "Tue 2026-03-24 16:00");
    // Lisbon springs forward on Sunday 2026-03-29: the deadline stays 12:00 on the desk's clock.
    let due = recovery_due(&rules(), &lisbon(), at("2026-03-27 16:00"));
    assert_eq!(show(due.first_contact_due), "Mon 2026-03-30 12:00");
    assert_eq!(crate::time::rfc3339(due.first_contact_due), "2026-03-30T11:00:00Z");
    // From the weekend the clock starts on Monday morning.
    let due = recovery_due(&rules(), &lisbon(), at("2026-03-21 11:00"));
    assert_eq!(show(due.first_contact_due), "Mon 2026-03-23 13:00");
}

#[test]
fn the_resolve_deadline_is_never_before_first_contact() {
    let slow = FollowUpRules { first_contact_business_minutes: 10_080, resolve_business_days: 1, ..rules() };
    let due = recovery_due(&slow, &lisbon(), at("2026-03-23 09:00"));
    assert_eq!(due.resolve_due, due.first_contact_due);
    assert_eq!(lisbon().business_minutes_between(at("2026-03-23 09:00"), due.first_contact_due), 10_080);
}

#[test]
fn check_ins_are_due_in_business_days_and_never_at_closing() {
    let r = rules();
    assert_eq!(show(checkin_due(&r, &lisbon(), at("2026-03-19 10:30"))), "Mon 2026-03-23 10:30");
    assert_eq!(show(checkin_due(&r, &lisbon(), at("2026-03-20 16:00"))), "Tue 2026-03-24 16:00");
    // Saturday: two business days run out at close of business Tuesday, so it goes out Wednesday 09:00.
    assert_eq!(show(checkin_due(&r, &lisbon(), at("2026-03-21 11:00"))), "Wed 2026-03-25 09:00");
    let one = FollowUpRules { checkin_business_days: 1, ..rules() };
    assert_eq!(show(checkin_due(&one, &lisbon(), at("2026-03-20 16:00"))), "Mon 2026-03-23 16:00");
}

#[test]
fn follow_ups_fire_after_the_wall_clock_grace_window() {
    let answered = at("2026-03-20 16:58");
    assert_eq!(show(fires_at(&rules(), answered)), "Fri 2026-03-20 17:03", "wall-clock, even past closing");
    assert_eq!(fires_at(&FollowUpRules { grace_minutes: 0, ..rules() }, answered), answered);
    assert_eq!(fires_at(&rules(), i64::MAX - 1), i64::MAX);
}

#[test]
fn the_default_check_in_is_personal_and_short() {
    assert_eq!(
        default_checkin_message(Some("Ana"), Some("Printer on floor 3 jams"), "Tom"),
        "Hi Ana, just checking that “Printer on floor 3 jams” is still sorted. Anything else we can do? — Tom"
    );
    assert_eq!(
        default_checkin_message(None, None, " "),
        "Hi, just checking that your recent request is still sorted. Anything else we can do?"
    );
    assert_eq!(
        default_checkin_message(Some(" \u{0}"), Some(" VPN\r\n drops "), " Tom\n"),
        "Hi, just checking that “VPN drops” is still sorted. Anything else we can do? — Tom"
    );
    let long = format!("{} tail", "word ".repeat(20));
    let message = default_checkin_message(Some("Ana"), Some(&long), "Tom");
    assert!(message.contains(&format!("“{}…”", "word ".repeat(16).trim_end())), "{message}");
}

fn any_rules() -> impl Strategy<Value = FollowUpRules> {
    (any::<bool>(), 1u8..=5, 0u8..=10, 1u8..=5, 0u8..=10).prop_map(|(enabled, rc, rn, cc, cn)| FollowUpRules {
        enabled,
        recovery_csat_max: rc,
        recovery_nps_max: rn,
        checkin_csat_min: cc,
        checkin_nps_min: cn,
        ..FollowUpRules::default()
    })
}

fn any_state() -> impl Strategy<Value = FollowUpState> {
    prop::sample::select(FollowUpState::ALL.to_vec())
}

fn any_kind() -> impl Strategy<Value = FollowUpKind> {
    prop::sample::select(vec![Recovery, CheckIn])
}

proptest! {
    #[test]
    fn a_follow_up_is_one_kind_and_recovery_whenever_any_signal_is_negative(
        r in any_rules(), csat in 1u8..=5, nps in prop::option::of(0u8..=10)
    ) {
        let negative = csat <= r.recovery_csat_max || nps.is_some_and(|n| n <= r.recovery_nps_max);
        let positive = csat >= r.checkin_csat_min || nps.is_some_and(|n| n >= r.checkin_nps_min);
        let expected = match (r.enabled, negative, positive) {
            (false, _, _) => None,
            (true, true, _) => Some(Recovery),
            (true, false, true) => Some(CheckIn),
            (true, false, false) => None,
        };
        prop_assert_eq!(follow_up_for(&r, csat, nps), expected);
    }

    #[test]
    fn neutral_answers_call_for_nothing_under_the_defaults(nps in prop::option::of(7u8..=8)) {
        prop_assert_eq!(follow_up_for(&FollowUpRules::default(), 3, None), None);
        prop_assert_eq!(follow_up_for(&FollowUpRules::default(), 3, nps), None);
    }

    #[test]
    fn reconciling_never_leaves_two_unfinished_follow_ups(
        existing in prop::option::of((any_kind(), any_state())), wanted in prop::option::of(any_kind())
    ) {
        let unfinished_before = existing.filter(|(_, s)| !s.is_finished()).map(|(k, _)| k);
        let unfinished_after: Vec<FollowUpKind> = match reconcile(existing, wanted) {
            Reconcile::Keep => unfinished_before.into_iter().collect(),
            Reconcile::Create(kind) => {
                prop_assert!(unfinished_before.is_none(), "created next to an unfinished follow-up");
                vec![kind]
            }
            Reconcile::Cancel => {
                prop_assert!(unfinished_before.is_some());
                vec![]
            }
            Reconcile::Replace { cancel, create } => {
                prop_assert_eq!(unfinished_before, Some(cancel));
                prop_assert_ne!(cancel, create);
                vec![create]
            }
        };
        prop_assert!(unfinished_after.len() <= 1);
        // A negative answer always ends up with a recovery, open or already worked.
        if wanted == Some(Recovery) {
            let worked = existing.is_some_and(|(k, s)| k == Recovery && s != Cancelled);
            prop_assert!(unfinished_after == [Recovery] || worked);
        }
    }
}

#[test]
fn an_acknowledgement_template_takes_known_placeholders_only() {
    let rules = |text: &str| FollowUpRules { acknowledgement: Some(text.into()), ..FollowUpRules::default() };
    assert!(rules("Dear {first_name}, {owner} calls you by {due} about {ticket}. {desk}").check().is_ok());
    let errors = rules("Hello {name}").check().unwrap_err();
    assert_eq!(errors[0].field, "acknowledgement");
    assert!(errors[0].message.contains("{name} is not a placeholder"));
    assert!(rules("Unclosed {owner").check().is_err());
    assert!(rules("  ").check().is_err());
    let filled = fill_acknowledgement("{owner} by {due}, {owner}", &[("owner", "Tom"), ("due", "Mon 12:00")]);
    assert_eq!(filled, "Tom by Mon 12:00, Tom");
}
