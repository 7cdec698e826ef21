//! The workbook as openpyxl (a real reader) sees it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{path_str, report, INJECTION};
use serde_json::Value;

/// Runs tests/read_xlsx.py on the workbook; fails clearly when Python or openpyxl is missing.
fn read(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, bytes).expect("write the workbook");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_xlsx.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(path_str(&path))
        .output()
        .unwrap_or_else(|e| panic!("python3 could not be run ({e}); install Python 3 and `pip install openpyxl`"));
    assert!(
        output.status.success(),
        "reading the workbook failed (is openpyxl installed? `pip install openpyxl`): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

fn cell<'v>(book: &'v Value, sheet: &str, row: usize, col: usize) -> &'v Value {
    &book["data"][sheet]["rows"][row][col]
}

#[test]
fn the_workbook_has_the_expected_sheets_values_and_formats() {
    let book = read(&rapport_reports::xlsx(&report()).expect("the workbook renders"));
    let sheets: Vec<&str> = book["sheets"].as_array().expect("sheet names").iter().filter_map(Value::as_str).collect();
    // The organization sheet's name "Orgs: [EU]/*? with a name longer than 31" made valid.
    assert_eq!(sheets, ["Summary", "By team", "Orgs- -EU---- with a name longe", "Improvements", "Praise"]);
    assert_eq!(book["formulas"], 0, "no cell may be a formula");

    // Summary: title, period, headlines with their interval, n, previous value and change.
    assert_eq!(cell(&book, "Summary", 0, 0)["v"], "Management report");
    assert_eq!(cell(&book, "Summary", 2, 0)["v"], "Period");
    assert_eq!(cell(&book, "Summary", 2, 1)["v"], "October 2026");
    assert_eq!(cell(&book, "Summary", 3, 1)["v"], "September 2026");
    let header: Vec<&Value> = (0..6).map(|c| &cell(&book, "Summary", 7, c)["v"]).collect();
    assert_eq!(header, ["Measure", "Value", "95 % interval", "n", "September 2026", "Change"]);
    assert_eq!(cell(&book, "Summary", 7, 0)["bold"], true);
    let csat: Vec<&Value> = (0..6).map(|c| &cell(&book, "Summary", 8, c)["v"]).collect();
    // A text starting with "+" is escaped like any other text cell.
    assert_eq!(csat, ["CSAT", "84.2 %", "80.1–87.6 %", "312 answers", "81.0 %", "'+3.2 points, not significant"]);
    assert_eq!(cell(&book, "Summary", 9, 1)["v"], "'+31");

    // A data sheet: bold frozen header, integers and percents as numbers.
    let team = &book["data"]["By team"];
    assert_eq!(team["freeze"], "A2");
    assert_eq!(team["max_row"], 121);
    let header: Vec<&Value> = (0..3).map(|c| &cell(&book, "By team", 0, c)["v"]).collect();
    assert_eq!(header, ["Team", "Answers", "CSAT"]);
    assert!((0..3).all(|c| cell(&book, "By team", 0, c)["bold"] == true));
    assert_eq!(cell(&book, "By team", 1, 0)["v"], "Team 001");
    assert_eq!(cell(&book, "By team", 1, 1)["v"], 31);
    assert_eq!(cell(&book, "By team", 1, 1)["t"], "n");
    let percent = cell(&book, "By team", 1, 2);
    assert_eq!(percent["t"], "n");
    assert!((percent["v"].as_f64().expect("a number") - 0.71).abs() < 1e-12);
    assert!(percent["f"].as_str().is_some_and(|f| f.contains('%')), "{percent}");
    assert!(team["widths"]["A"].as_f64().is_some_and(|w| w >= 8.0), "{}", team["widths"]);

    // Dangerous text comes back as text with an apostrophe; numbers stay numbers.
    let orgs = "Orgs- -EU---- with a name longe";
    assert_eq!(cell(&book, orgs, 0, 2)["v"], "Average effort");
    assert_eq!(cell(&book, orgs, 1, 2)["v"], 2.25);
    assert_eq!(cell(&book, orgs, 1, 4)["v"], -3, "a negative integer stays a number");
    assert_eq!(cell(&book, orgs, 1, 4)["t"], "n");
    assert_eq!(cell(&book, orgs, 2, 0)["v"], format!("'{INJECTION}"));
    assert_eq!(cell(&book, orgs, 2, 0)["t"], "s");
    assert_eq!(cell(&book, orgs, 2, 2)["v"], Value::Null, "an empty cell stays empty");
    assert_eq!(cell(&book, orgs, 2, 4)["v"], -1.5);
    assert_eq!(cell(&book, orgs, 3, 0)["v"], "'-3", "text \"-3\" is escaped");
    assert_eq!(cell(&book, orgs, 3, 2)["v"], Value::Null, "NaN is left empty");

    // Improvements and praise.
    let header: Vec<&Value> = (0..6).map(|c| &cell(&book, "Improvements", 0, c)["v"]).collect();
    assert_eq!(header, ["Ticket", "Closed on", "Service gap", "Root cause", "Action", "Resolved"]);
    assert_eq!(cell(&book, "Improvements", 1, 0)["v"], "INC0012345");
    assert_eq!(cell(&book, "Improvements", 1, 5)["v"], "Resolved");
    assert_eq!(cell(&book, "Improvements", 2, 5)["v"], Value::Null);
    assert_eq!(book["data"]["Improvements"]["freeze"], "A2");
    assert_eq!(cell(&book, "Praise", 0, 0)["v"], "Quote");
    assert_eq!(cell(&book, "Praise", 1, 0)["v"], common::SCRIPT_QUOTE);
    assert_eq!(cell(&book, "Praise", 1, 2)["v"], "Tom");
    assert_eq!(cell(&book, "Praise", 2, 0)["v"], common::CJK_QUOTE);
}

#[test]
fn every_text_cell_is_escaped_and_sheet_names_stay_unique() {
    let mut report = report();
    report.title = "=cmd|' /C calc'!A0".into();
    report.headlines[0].label = "@SUM(1+1)".into();
    report.praise[0].text = "-2+3".into();
    report.praise[0].who = "\tTab".into();
    report.improvements[0].action = "+action\u{0}\u{7}".into();
    report.notes = vec!["=1+1".into()];
    report.tables[0].sheet = "summary".into();
    report.tables[1].sheet = "Summary".into();
    report.tables[0].columns[0] = "=Team".into();
    let book = read(&rapport_reports::xlsx(&report).expect("the workbook renders"));
    let sheets: Vec<&str> = book["sheets"].as_array().expect("sheet names").iter().filter_map(Value::as_str).collect();
    assert_eq!(sheets, ["Summary", "summary (2)", "Summary (3)", "Improvements", "Praise"]);
    assert_eq!(book["formulas"], 0);
    assert_eq!(cell(&book, "Summary", 0, 0)["v"], "'=cmd|' /C calc'!A0");
    assert_eq!(cell(&book, "Summary", 8, 0)["v"], "'@SUM(1+1)");
    assert_eq!(cell(&book, "summary (2)", 0, 0)["v"], "'=Team");
    assert_eq!(cell(&book, "Praise", 1, 0)["v"], "'-2+3");
    assert_eq!(cell(&book, "Praise", 1, 1)["v"], "'\tTab");
    assert_eq!(cell(&book, "Improvements", 1, 4)["v"], "'+action");
    let rows = book["data"]["Summary"]["rows"].as_array().expect("rows");
    let all: Vec<&Value> = rows.iter().flat_map(|r| r.as_array().into_iter().flatten()).map(|c| &c["v"]).collect();
    assert!(all.iter().any(|v| *v == "'=1+1"), "the note is escaped");
}
