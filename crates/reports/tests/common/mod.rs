//! A realistic report and helpers to run the external readers (poppler, Python).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use rapport_reports::{Audience, Cell, Headline, Improvement, PraiseQuote, Report, Table, Trend, TrendPoint};

pub const INJECTION: &str = "=HYPERLINK(\"http://x\")";
pub const SCRIPT_QUOTE: &str = "<script>alert('x')</script> Tom fixed it in five minutes & explained why.";
pub const CJK_QUOTE: &str = "服务很好，谢谢！Ana was great 👍🎉";
pub const MONTHS: [&str; 13] = [
    "Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026",
    "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026",
];

fn headline(label: &str, value: &str, interval: &str, n: &str, previous: &str, change: &str) -> Headline {
    Headline {
        label: label.into(),
        value: value.into(),
        interval: interval.into(),
        n: n.into(),
        previous: previous.into(),
        change: change.into(),
    }
}

/// A management report with six headlines, a 13-point trend, a 120-row team table, an
/// organization table with dangerous cells, improvements, quotes and notes.
pub fn report() -> Report {
    let points = MONTHS
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let value = 0.78 + 0.005 * i as f64;
            let n = if i == 2 { 18 } else { 250 + 10 * i as u64 };
            let (value, low, high) =
                if i == 4 { (None, None, None) } else { (Some(value), Some(value - 0.04), Some(value + 0.035)) };
            TrendPoint { label: (*label).into(), value, low, high, n }
        })
        .collect();
    let teams = Table {
        sheet: "By team".into(),
        title: "Satisfaction by team".into(),
        columns: vec!["Team".into(), "Answers".into(), "CSAT".into()],
        rows: (1..=120)
            .map(|i| {
                vec![
                    Cell::Text(format!("Team {i:03}")),
                    Cell::Integer(30 + i),
                    Cell::Percent(0.70 + (i % 25) as f64 / 100.0),
                ]
            })
            .collect(),
    };
    let organizations = Table {
        sheet: "Orgs: [EU]/*? with a name longer than 31".into(),
        title: "Organizations".into(),
        columns: vec!["Organization".into(), "Answers".into(), "Average effort".into(), "CSAT".into(), "Change".into()],
        rows: vec![
            vec![
                Cell::Text("Finance".into()),
                Cell::Integer(120),
                Cell::Number(2.25),
                Cell::Percent(0.8123),
                Cell::Integer(-3),
            ],
            vec![Cell::Text(INJECTION.into()), Cell::Integer(7), Cell::Empty, Cell::Percent(0.5), Cell::Number(-1.5)],
            vec![Cell::Text("-3".into()), Cell::Integer(0), Cell::Number(f64::NAN), Cell::Empty, Cell::Empty],
        ],
    };
    Report {
        title: "Management report".into(),
        desk_name: "Northwind Service Desk".into(),
        audience: Audience::Management,
        period_label: "October 2026".into(),
        previous_label: "September 2026".into(),
        generated_at: "2026-11-01 08:00 Europe/Lisbon".into(),
        headlines: vec![
            headline("CSAT", "84.2 %", "80.1–87.6 %", "312 answers", "81.0 %", "+3.2 points, not significant"),
            headline("NPS", "+31", "+22 to +40", "204 answers", "+27", "+4, not significant"),
            headline("Effort (CES)", "2.1", "1.9–2.3", "198 answers", "2.4", "−0.3, easier"),
            headline("Response rate", "27.5 %", "25.0–30.1 %", "1,134 surveys", "24.9 %", "+2.6 points, significant"),
            headline(
                "Recovery rate",
                "71.4 %",
                "45.4–88.3 %",
                "14 cases (small)",
                "60.0 %",
                "+11.4 points, not significant",
            ),
            headline("Check-ins on time", "92.0 %", "75.0–97.8 %", "25 check-ins", "88.0 %", "+4 points"),
        ],
        trend: Some(Trend { title: "CSAT by month".into(), points, target: Some(0.9) }),
        tables: vec![teams, organizations],
        improvements: vec![
            Improvement {
                ticket: "INC0012345".into(),
                closed_on: "2026-10-12".into(),
                service_gap: "Waited three days for a laptop swap".into(),
                root_cause: "Spare laptops were kept at the head office only".into(),
                action: "Two spare laptops now kept at each site; stock checked every Monday.".into(),
                resolved: Some(true),
            },
            Improvement {
                ticket: "INC0012399".into(),
                closed_on: "2026-10-20".into(),
                service_gap: "Ticket closed before the printer worked".into(),
                root_cause: "Closing rule did not ask the customer".into(),
                action: "Printer tickets now wait for the customer's confirmation.".into(),
                resolved: None,
            },
        ],
        praise: vec![
            PraiseQuote {
                text: SCRIPT_QUOTE.into(),
                who: "Ana Silva".into(),
                agent: Some("Tom".into()),
                date: "2026-10-03".into(),
            },
            PraiseQuote { text: CJK_QUOTE.into(), who: "李雷".into(), agent: None, date: "2026-10-15".into() },
        ],
        notes: vec![
            "Intervals are 95 % Wilson intervals.".into(),
            "A change is called significant only when a two-proportion test supports it.".into(),
        ],
    }
}

/// Whether the external tools may be skipped (`RAPPORT_SKIP_PDF_TOOLS=1`).
pub fn skip_tools() -> bool {
    std::env::var("RAPPORT_SKIP_PDF_TOOLS").is_ok_and(|v| v == "1")
}

/// Runs `program args…`, returning stdout; panics with a clear message when the program is
/// missing or fails.
pub fn run(program: &str, args: &[&str], hint: &str) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`{program}` could not be run ({e}); {hint}"));
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Whether `program` can be started at all.
pub fn available(program: &str) -> bool {
    Command::new(program).arg("-v").output().is_ok()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}
