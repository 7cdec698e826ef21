use super::*;
use proptest::prelude::*;

/// An existing local time in `tz` ("YYYY-MM-DD HH:MM"); the earlier instant if ambiguous.
fn at(tz: Tz, local: &str) -> Millis {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive).earliest().unwrap().timestamp_millis()
}

/// An instant as the desk's clock shows it, with the offset in force.
fn show(tz: Tz, ms: Millis) -> String {
    tz.from_utc_datetime(&from_millis(ms).naive_utc()).format("%a %Y-%m-%d %H:%M %:z").to_string()
}

fn desk(tz: &str, start: &str, end: &str, days: &str) -> BusinessCalendar {
    BusinessCalendar::from_settings(tz, start, end, days).unwrap()
}

const WORKWEEK: &str = "mon,tue,wed,thu,fri";
const EVERY_DAY: &str = "mon,tue,wed,thu,fri,sat,sun";

#[test]
fn four_business_hours_from_friday_afternoon_is_monday_late_morning() {
    let lisbon = desk("Europe/Lisbon", "09:00", "17:00", WORKWEEK);
    let tz = Tz::Europe__Lisbon;
    let due = lisbon.add_business_minutes(at(tz, "2026-03-20 15:00"), 240);
    assert_eq!(show(tz, due), "Mon 2026-03-23 11:00 +00:00");
    assert_eq!(lisbon.business_minutes_between(at(tz, "2026-03-20 15:00"), due), 240);
}

#[test]
fn a_weekend_with_a_dst_change_keeps_the_deadline_on_the_local_clock() {
    // Lisbon springs forward on Sunday 2026-03-29: Friday is UTC+0, Monday UTC+1.
    let lisbon = desk("Europe/Lisbon", "09:00", "17:00", WORKWEEK);
    let tz = Tz::Europe__Lisbon;
    let from = at(tz, "2026-03-27 16:00");
    let due = lisbon.add_business_minutes(from, 240);
    assert_eq!(show(tz, due), "Mon 2026-03-30 12:00 +01:00");
    assert_eq!(crate::time::rfc3339(due), "2026-03-30T11:00:00Z");
    assert_eq!(lisbon.business_minutes_between(from, due), 240);
}

#[test]
fn new_york_fall_back_keeps_business_hours_local() {
    let tz = Tz::America__New_York;
    let office = desk("America/New_York", "09:00", "17:00", WORKWEEK);
    let due = office.add_business_minutes(at(tz, "2026-10-30 16:00"), 240);
    assert_eq!(show(tz, due), "Mon 2026-11-02 12:00 -05:00");

    // A night desk opening at 01:30, which happens twice on 2026-11-01: it opens at the first.
    let night = desk("America/New_York", "01:30", "03:00", EVERY_DAY);
    let open = night.next_open(at(tz, "2026-11-01 00:00"));
    assert_eq!(show(tz, open), "Sun 2026-11-01 01:30 -04:00");
    assert_eq!(show(tz, night.add_business_minutes(open, 150)), "Sun 2026-11-01 03:00 -05:00");
    assert!(night.is_open(open + 75 * MINUTE_MS), "the repeated 01:45 (EST) is worked");

    // A desk closing at the ambiguous 01:30 closes at the second one.
    let late = desk("America/New_York", "00:00", "01:30", EVERY_DAY);
    let open = at(tz, "2026-11-01 00:00");
    assert_eq!(show(tz, late.add_business_minutes(open, 150)), "Sun 2026-11-01 01:30 -05:00");
    assert_eq!(late.business_minutes_between(open, open + DAY_MS), 150);
}

#[test]
fn new_york_spring_forward_opens_at_the_first_existing_instant() {
    let tz = Tz::America__New_York;
    // 02:30 does not exist on 2026-03-08: the clocks go from 02:00 EST straight to 03:00 EDT.
    let night = desk("America/New_York", "02:30", "06:00", EVERY_DAY);
    let open = night.next_open(at(tz, "2026-03-08 00:00"));
    assert_eq!(show(tz, open), "Sun 2026-03-08 03:00 -04:00");
    assert_eq!(show(tz, night.add_business_minutes(open, 180)), "Sun 2026-03-08 06:00 -04:00");
    assert!(!night.is_open(open - 1));

    // A closing inside the gap happens when the clocks jump.
    let late = desk("America/New_York", "00:00", "02:30", EVERY_DAY);
    let midnight = at(tz, "2026-03-08 00:00");
    assert_eq!(show(tz, late.add_business_minutes(midnight, 120)), "Sun 2026-03-08 03:00 -04:00");
    assert_eq!(late.business_minutes_between(midnight, at(tz, "2026-03-08 12:00")), 120);
    assert!(!late.is_open(at(tz, "2026-03-08 03:00")));

    // Hours entirely inside the gap: no business hours that day, next day as usual.
    let gap = desk("America/New_York", "02:10", "02:50", EVERY_DAY);
    assert_eq!(show(tz, gap.next_open(midnight)), "Mon 2026-03-09 02:10 -04:00");
}

#[test]
fn lord_howe_half_hour_gap_shortens_only_that_night() {
    // Lord Howe Island moves from UTC+10:30 to UTC+11 at 02:00 on 2026-10-04, skipping to 02:30.
    let tz = Tz::Australia__Lord_Howe;
    let night = desk("Australia/Lord_Howe", "02:00", "03:00", EVERY_DAY);
    let open = night.next_open(at(tz, "2026-10-04 00:00"));
    assert_eq!(show(tz, open), "Sun 2026-10-04 02:30 +11:00");
    assert_eq!(night.business_minutes_between(at(tz, "2026-10-03 00:00"), at(tz, "2026-10-05 00:00")), 60 + 30);
}

#[test]
fn a_skipped_calendar_day_does_not_break_the_clock() {
    // Samoa skipped Friday 2011-12-30 entirely, jumping from UTC-10 to UTC+14.
    let tz = Tz::Pacific__Apia;
    let apia = desk("Pacific/Apia", "09:00", "17:00", EVERY_DAY);
    let due = apia.add_business_minutes(at(tz, "2011-12-29 16:00"), 120);
    assert_eq!(show(tz, due), "Sat 2011-12-31 10:00 +14:00");
}

#[test]
fn a_sunday_to_thursday_desk_skips_friday_and_saturday() {
    let tz = Tz::Asia__Jerusalem;
    let desk = desk("Asia/Jerusalem", "09:00", "17:00", "sun,mon,tue,wed,thu");
    let due = desk.add_business_minutes(at(tz, "2026-06-04 16:00"), 120);
    assert_eq!(show(tz, due), "Sun 2026-06-07 10:00 +03:00");
    assert!(!desk.is_open(at(tz, "2026-06-05 12:00")));
    assert!(!desk.is_open(at(tz, "2026-06-06 12:00")));
    assert!(desk.is_open(at(tz, "2026-06-07 12:00")));
    assert_eq!(show(tz, desk.add_business_days(at(tz, "2026-06-04 10:00"), 1)), "Sun 2026-06-07 10:00 +03:00");
}

#[test]
fn counting_from_outside_hours_starts_at_the_next_opening() {
    let utc = BusinessCalendar::utc_office_hours();
    let tz = Tz::UTC;
    let cases = [
        ("2026-03-21 23:00", "Mon 2026-03-23 10:00 +00:00"), // Saturday night
        ("2026-03-23 07:00", "Mon 2026-03-23 10:00 +00:00"), // before opening
        ("2026-03-23 09:00", "Mon 2026-03-23 10:00 +00:00"), // at opening
        ("2026-03-23 17:00", "Tue 2026-03-24 10:00 +00:00"), // at closing
        ("2026-03-23 18:00", "Tue 2026-03-24 10:00 +00:00"), // after closing
        ("2026-03-27 16:30", "Mon 2026-03-30 09:30 +00:00"), // over the weekend
    ];
    for (from, due) in cases {
        assert_eq!(show(tz, utc.add_business_minutes(at(tz, from), 60)), due, "60 business minutes from {from}");
    }
    assert_eq!(show(tz, utc.add_business_minutes(at(tz, "2026-03-23 07:00"), 480)), "Mon 2026-03-23 17:00 +00:00");
}

#[test]
fn business_days_are_whole_business_days_of_desk_time() {
    let lisbon = desk("Europe/Lisbon", "09:00", "17:00", WORKWEEK);
    let tz = Tz::Europe__Lisbon;
    let cases = [
        ("2026-03-20 15:00", "Tue 2026-03-24 15:00 +00:00"), // Friday afternoon: same time of day
        ("2026-03-21 11:00", "Tue 2026-03-24 17:00 +00:00"), // Saturday: close of business Tuesday
        ("2026-03-23 07:00", "Tue 2026-03-24 17:00 +00:00"), // before Monday's opening
        ("2026-03-23 09:00", "Tue 2026-03-24 17:00 +00:00"), // at Monday's opening
        ("2026-03-25 18:00", "Fri 2026-03-27 17:00 +00:00"), // Wednesday evening
        ("2026-03-26 10:00", "Mon 2026-03-30 10:00 +01:00"), // over the DST weekend
    ];
    for (from, due) in cases {
        assert_eq!(show(tz, lisbon.add_business_days(at(tz, from), 2)), due, "2 business days from {from}");
    }
    let saturday_due = lisbon.add_business_days(at(tz, "2026-03-21 11:00"), 2);
    assert_eq!(show(tz, lisbon.next_open(saturday_due)), "Wed 2026-03-25 09:00 +00:00");
}

#[test]
fn zero_and_negative_amounts_leave_the_instant_alone() {
    let utc = BusinessCalendar::utc_office_hours();
    let saturday = at(Tz::UTC, "2026-03-21 23:00");
    for amount in [0, -1, -480, i64::MIN] {
        assert_eq!(utc.add_business_minutes(saturday, amount), saturday);
        assert_eq!(utc.add_business_days(saturday, amount), saturday);
    }
}

#[test]
fn opening_is_open_and_closing_is_not() {
    let utc = BusinessCalendar::utc_office_hours();
    let tz = Tz::UTC;
    let (open, close) = (at(tz, "2026-03-23 09:00"), at(tz, "2026-03-23 17:00"));
    assert!(utc.is_open(open));
    assert!(utc.is_open(close - 1));
    assert!(!utc.is_open(close));
    assert!(!utc.is_open(open - 1));
    assert_eq!(utc.next_open(open + 1), open + 1);
    assert_eq!(utc.next_open(open - 1), open);
    assert_eq!(show(tz, utc.next_open(close)), "Tue 2026-03-24 09:00 +00:00");
    assert_eq!(show(tz, utc.next_open(at(tz, "2026-03-27 17:00"))), "Mon 2026-03-30 09:00 +00:00");
}

#[test]
fn business_minutes_between_counts_only_open_time() {
    let utc = BusinessCalendar::utc_office_hours();
    let tz = Tz::UTC;
    let friday = at(tz, "2026-03-20 15:00");
    assert_eq!(utc.business_minutes_between(friday, at(tz, "2026-03-23 11:00")), 240);
    assert_eq!(utc.business_minutes_between(friday, friday), 0);
    assert_eq!(utc.business_minutes_between(friday, friday - DAY_MS), 0);
    assert_eq!(utc.business_minutes_between(at(tz, "2026-03-21 00:00"), at(tz, "2026-03-22 23:59")), 0);
    assert_eq!(utc.business_minutes_between(friday, friday + 7 * DAY_MS), 5 * 480);
    assert_eq!(utc.business_minutes_between(friday, friday + 59_999), 0, "partial minutes round down");
}

#[test]
fn long_spans_are_exact() {
    let utc = BusinessCalendar::utc_office_hours();
    let monday = at(Tz::UTC, "2026-03-23 09:00");
    // 520 full weeks end at close of business on a Friday, 64 hours before a Monday opening.
    let due = utc.add_business_minutes(monday, 520 * 5 * 480);
    assert_eq!(due, monday + 520 * 7 * DAY_MS - 64 * 3_600_000);
    assert_eq!(utc.business_minutes_between(monday, due), 520 * 5 * 480);

    let lisbon = desk("Europe/Lisbon", "08:30", "18:00", "mon,wed,fri,sat");
    let minutes = 10 * 52 * 4 * 570 + 123;
    let from = at(Tz::Europe__Lisbon, "2026-03-27 16:00");
    assert_eq!(lisbon.business_minutes_between(from, lisbon.add_business_minutes(from, minutes)), minutes);
}

#[test]
fn settings_are_parsed_and_validated() {
    let parsed = BusinessCalendar::from_settings("UTC", "09:00", "17:00", "mon,tue,wed,thu,fri").unwrap();
    assert_eq!(parsed, BusinessCalendar::utc_office_hours());
    assert_eq!(BusinessCalendar::default(), parsed);
    assert_eq!(BusinessCalendar::from_settings(" UTC ", "9:00", "17:00:00", " Monday , TUE,wed,Thu,fri, "), Ok(parsed));

    let err = |tz, start, end, days| BusinessCalendar::from_settings(tz, start, end, days).unwrap_err();
    assert_eq!(err("Mars/Olympus", "09:00", "17:00", "mon"), CalendarError::UnknownTimeZone("Mars/Olympus".into()));
    assert!(matches!(err("UTC", "25:00", "17:00", "mon"), CalendarError::BadHours(_)));
    assert!(matches!(err("UTC", "09:00", "nine", "mon"), CalendarError::BadHours(_)));
    assert!(matches!(err("UTC", "17:00", "09:00", "mon"), CalendarError::BadHours(_)));
    assert!(matches!(err("UTC", "09:00", "09:00", "mon"), CalendarError::BadHours(_)));
    assert_eq!(err("UTC", "09:00", "17:00", " , "), CalendarError::NoBusinessDays);
    assert_eq!(err("UTC", "09:00", "17:00", "mon,funday"), CalendarError::UnknownDay("funday".into()));
    let hours = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    assert_eq!(
        BusinessCalendar::new(Tz::UTC, hours, hours, &[Weekday::Mon]).unwrap_err().to_string(),
        "bad business hours: opening 09:00 must be before closing 09:00"
    );
}

const ZONES: [Tz; 6] = [
    Tz::UTC,
    Tz::Europe__Lisbon,
    Tz::America__New_York,
    Tz::Australia__Lord_Howe,
    Tz::Asia__Jerusalem,
    Tz::America__Sao_Paulo,
];
const WEEKDAYS: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
/// 2024-01-01T00:00Z and 2031-01-01T00:00Z.
const FIRST: Millis = 1_704_067_200_000;
const LAST: Millis = 1_924_992_000_000;

/// Random calendars: DST zones, any whole-minute hours with start < end, any non-empty day set.
fn calendar() -> impl Strategy<Value = BusinessCalendar> {
    (prop::sample::select(ZONES.to_vec()), 0u32..1440, 0u32..1440, 1u8..128)
        .prop_filter("start and end differ", |(_, a, b, _)| a != b)
        .prop_map(|(tz, a, b, mask)| {
            let time = |m: u32| NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap();
            let days: Vec<Weekday> =
                WEEKDAYS.into_iter().filter(|d| mask & (1 << d.num_days_from_monday()) != 0).collect();
            BusinessCalendar::new(tz, time(a.min(b)), time(a.max(b)), &days).unwrap()
        })
}

fn instant() -> impl Strategy<Value = Millis> {
    FIRST..LAST
}

fn whole_minute() -> impl Strategy<Value = Millis> {
    (FIRST / MINUTE_MS..LAST / MINUTE_MS).prop_map(|m| m * MINUTE_MS)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adding_then_measuring_gives_back_the_minutes(cal in calendar(), from in instant(), m in 0i64..20_000) {
        prop_assert_eq!(cal.business_minutes_between(from, cal.add_business_minutes(from, m)), m);
    }

    #[test]
    fn adding_is_monotonic_and_never_goes_back(cal in calendar(), from in instant(), a in 0i64..20_000, b in 0i64..20_000) {
        let (fewer, more) = (a.min(b), a.max(b));
        let sooner = cal.add_business_minutes(from, fewer);
        prop_assert!(sooner >= from);
        prop_assert!(sooner <= cal.add_business_minutes(from, more));
    }

    #[test]
    fn deadlines_land_in_business_hours_or_at_closing(cal in calendar(), from in instant(), m in 1i64..20_000) {
        let due = cal.add_business_minutes(from, m);
        prop_assert!(cal.is_open(due) || cal.is_open(due - 1), "{} is neither open nor a closing", due);
    }

    #[test]
    fn adding_in_two_steps_is_adding_once(cal in calendar(), from in instant(), a in 0i64..10_000, b in 0i64..10_000) {
        prop_assert_eq!(cal.add_business_minutes(cal.add_business_minutes(from, a), b), cal.add_business_minutes(from, a + b));
    }

    #[test]
    fn measuring_is_additive(cal in calendar(), x in whole_minute(), y in whole_minute(), z in whole_minute()) {
        let mut points = [x, y, z];
        points.sort_unstable();
        let [a, b, c] = points;
        prop_assert_eq!(
            cal.business_minutes_between(a, c),
            cal.business_minutes_between(a, b) + cal.business_minutes_between(b, c)
        );
    }

    #[test]
    fn next_open_is_the_first_open_instant(cal in calendar(), at in instant()) {
        let open = cal.next_open(at);
        prop_assert!(open >= at);
        prop_assert!(cal.is_open(open));
        prop_assert_eq!(cal.business_minutes_between(at, open), 0);
        prop_assert_eq!(cal.is_open(at), open == at);
    }
}
