//! CSV: formula escaping, control characters, and a round trip through a CSV reader.

mod common;

use rapport_reports::{csv, escape_formula, Cell, Table};

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn read(data: &str) -> Vec<Vec<String>> {
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).from_reader(data.as_bytes());
    reader.records().map(|r| r.expect("valid CSV").iter().map(str::to_owned).collect()).collect()
}

#[test]
fn dangerous_first_characters_are_escaped_and_the_rest_round_trips() {
    let table = Table {
        sheet: "Comments".into(),
        title: "Comments".into(),
        columns: vec!["=Comment".into(), "Count".into(), "Share".into()],
        rows: vec![
            vec![text("=HYPERLINK(\"http://x\",\"click\")"), Cell::Integer(-3), Cell::Percent(0.8123)],
            vec![text("+1"), Cell::Number(-1.25), Cell::Percent(1.0)],
            vec![text("-1"), Cell::Number(f64::NAN), Cell::Empty],
            vec![text("@SUM(A1:A2)"), Cell::Empty, Cell::Percent(0.0)],
            vec![text("\tTab first"), Cell::Integer(0), Cell::Empty],
            vec![text("\rReturn first"), Cell::Empty, Cell::Empty],
            vec![text("\u{7}=bell then formula"), Cell::Empty, Cell::Empty],
            vec![text("Quotes \"inside\", commas, and\nline breaks\r\nstay"), Cell::Empty, Cell::Empty],
            vec![text("nul\u{0} and escape\u{1b} removed"), Cell::Empty, Cell::Empty],
            vec![text("a = b + c - d @ e"), Cell::Empty, Cell::Empty],
            vec![text("東京 👍")],
        ],
    };
    let data = csv(&table);
    assert!(data.starts_with("'=Comment,Count,Share\r\n"), "{data:?}");
    let records = read(&data);
    assert_eq!(records.len(), 12, "a header and 11 rows");
    assert!(records.iter().all(|r| r.len() == 3), "every record has every column");
    let first: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        first,
        [
            "'=HYPERLINK(\"http://x\",\"click\")",
            "'+1",
            "'-1",
            "'@SUM(A1:A2)",
            "'\tTab first",
            "'Return first",
            "'=bell then formula",
            "Quotes \"inside\", commas, and\nline breaks\nstay",
            "nul and escape removed",
            "a = b + c - d @ e",
            "東京 👍",
        ]
    );
    // Numbers are numbers: a negative integer is not escaped; percents are shares.
    assert_eq!(records[1][1..], ["-3", "0.8123"]);
    assert_eq!(records[2][1..], ["-1.25", "1"]);
    assert_eq!(records[3][1..], ["", ""], "NaN and empty cells are empty");
    assert_eq!(records[4][2], "0");
    assert_eq!(records[5][1], "0");
    // The escaping function itself, for the cases the CSV shows.
    assert_eq!(escape_formula("-3"), "'-3");
    assert_eq!(escape_formula("3-"), "3-");
}

#[test]
fn the_report_tables_export_as_csv() {
    let report = common::report();
    let teams = csv(&report.tables[0]);
    let records = read(&teams);
    assert_eq!(records.len(), 121);
    assert_eq!(records[0], ["Team", "Answers", "CSAT"]);
    assert_eq!(records[120], ["Team 120", "150", "0.9"]);
    let orgs = read(&csv(&report.tables[1]));
    assert_eq!(orgs[2][0], format!("'{}", common::INJECTION));
    let empty = Table { sheet: String::new(), title: String::new(), columns: vec![], rows: vec![] };
    assert_eq!(csv(&empty), "");
}
