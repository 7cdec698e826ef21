//! `rapport import tickets FILE.csv`, tried as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// A database of its own for one test, and the global options that select it.
/// (SQLite in a temporary data directory; other backends may be added here.)
struct Database {
    dir: TempDir,
    args: Vec<String>,
}

fn database_args(test_name: &str) -> Database {
    let dir = tempfile::Builder::new().prefix(&format!("{test_name}-")).tempdir().unwrap();
    let data_dir = dir.path().join("data").display().to_string();
    Database { args: vec!["--data-dir".into(), data_dir], dir }
}

impl Database {
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn rapport(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rapport"));
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("RAPPORT_") {
                command.env_remove(name);
            }
        }
        command.current_dir(self.dir.path()).args(&self.args).args(args).output().unwrap()
    }

    /// Imports `file` and returns the summary: the lines from "rows read" on.
    fn import(&self, file: &Path, more: &[&str]) -> Vec<String> {
        let mut args = vec!["import", "tickets", file.to_str().unwrap()];
        args.extend_from_slice(more);
        let output = self.rapport(&args);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "import failed\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
        let start = lines
            .iter()
            .rposition(|l| l.starts_with("rows read: "))
            .unwrap_or_else(|| panic!("no summary in:\n{stdout}"));
        lines[start..].to_vec()
    }
}

/// Mixed-case headers and aliases, an unknown column, a quoted title over two lines,
/// and three bad rows (lines 4, 5 and 8 of the file).
const EXPORT: &str = "\
Ticket,Subject,STATE,Created,Closed,Customer_Email,Customer,Company,VIP,Agent_Email,Technician,Assignment Group,Notes
INC001,Printer on floor 3 jams,Closed,2026-11-19 09:00,2026-11-20T14:03:00Z,ana@example.com,Ana Silva,Finance,yes,tom@desk.example,Tom Berg,Desktop,ignored
INC002,VPN drops,open,2026-11-20 08:00,,bob@example.com,Bob,,no,,,Network,
INC003,Laptop is slow,Solved,2026-11-18,,carla@example.com,,,,,,,
INC004,Mailbox full,resolved,2026-11-18,,not-an-email,,,,,,,
INC005,\"Cannot log in
after password change\",New,2026-11-21 07:30,,,Dan without email,,,,,Service Desk,
INC006,Monitor flickers,closed,2026-11-17,yesterday,eve@example.com,,,,,,,
INC007,Short row,pending
";

#[test]
fn a_file_with_bad_rows_imports_the_good_ones_and_lists_the_bad_ones_by_line() {
    let db = database_args("bad_rows");
    let summary = db.import(&db.file("export.csv", EXPORT), &[]);
    assert_eq!(summary[0], "rows read: 7, created: 4, updated: 0, unchanged: 0, rejected: 3");
    assert_eq!(summary.len(), 4, "{summary:#?}");
    assert!(summary[1].starts_with("line 4: STATE: unknown status \"Solved\""), "{}", summary[1]);
    assert!(
        summary[2].starts_with("line 5: Customer_Email: \"not-an-email\" is not an email address"),
        "{}",
        summary[2]
    );
    assert!(summary[3].starts_with("line 8: Closed \"yesterday\" is not a timestamp"), "{}", summary[3]);
}

#[test]
fn importing_the_same_file_twice_creates_nothing_the_second_time() {
    let db = database_args("twice");
    let file = db.file("export.csv", EXPORT);
    let first = db.import(&file, &["--quiet"]);
    assert_eq!(first[0], "rows read: 7, created: 4, updated: 0, unchanged: 0, rejected: 3");
    let second = db.import(&file, &["--quiet"]);
    assert_eq!(second[0], "rows read: 7, created: 0, updated: 0, unchanged: 4, rejected: 3");
    assert_eq!(first[1..], second[1..], "the same rows are rejected for the same reasons");
}

#[test]
fn a_later_export_with_one_changed_status_updates_that_ticket_only() {
    let db = database_args("later_export");
    db.import(&db.file("monday.csv", EXPORT), &[]);
    let tuesday =
        EXPORT.replace("INC002,VPN drops,open,2026-11-20 08:00,,", "INC002,VPN drops,Resolved,2026-11-20 08:00,,");
    let summary = db.import(&db.file("tuesday.csv", &tuesday), &[]);
    assert_eq!(summary[0], "rows read: 7, created: 0, updated: 1, unchanged: 3, rejected: 3");
}

#[test]
fn fixed_rows_of_a_second_file_are_created_and_the_rest_left_unchanged() {
    let db = database_args("fixed_rows");
    db.import(&db.file("export.csv", EXPORT), &[]);
    let fixed = EXPORT.replace("Solved", "resolved").replace("not-an-email", "dora@example.com");
    let summary = db.import(&db.file("fixed.csv", &fixed), &[]);
    assert_eq!(summary[0], "rows read: 7, created: 2, updated: 0, unchanged: 4, rejected: 1");
    assert!(summary[1].starts_with("line 8: "), "{}", summary[1]);
}

#[test]
fn tickets_imported_under_another_source_are_separate_tickets() {
    let db = database_args("other_source");
    let file = db.file("export.csv", EXPORT);
    db.import(&file, &[]);
    let summary = db.import(&file, &["--source", "servicenow"]);
    assert_eq!(summary[0], "rows read: 7, created: 4, updated: 0, unchanged: 0, rejected: 3");
}

#[test]
fn a_file_without_a_status_column_is_refused_before_any_row_is_read() {
    let db = database_args("no_status");
    let file = db.file("export.csv", "Number,Title\nINC001,Printer jams\n");
    let output = db.rapport(&["import", "tickets", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("no status column (also accepted: state)"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("rows read"));
}

#[test]
fn a_file_that_does_not_exist_is_an_error() {
    let db = database_args("missing_file");
    let output = db.rapport(&["import", "tickets", "no-such-file.csv"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot open no-such-file.csv"), "{stderr}");
}

#[test]
fn more_than_a_hundred_rejections_are_summed_up() {
    let db = database_args("many_rejections");
    let mut csv = String::from("id,status\n");
    for i in 0..150 {
        csv.push_str(&format!("T{i},{}\n", if i % 3 == 0 { "open" } else { "unknown" }));
    }
    let summary = db.import(&db.file("many.csv", &csv), &[]);
    assert_eq!(summary[0], "rows read: 150, created: 50, updated: 0, unchanged: 0, rejected: 100");
    assert_eq!(summary.len(), 101);
    csv.push_str("T150,bogus\nT151,bogus\n");
    let summary = db.import(&db.file("more.csv", &csv), &[]);
    assert_eq!(summary[0], "rows read: 152, created: 0, updated: 0, unchanged: 50, rejected: 102");
    assert_eq!(summary.last().unwrap(), "… and 2 more");
}
