//! The `rapport` binary as a person or a script runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn rapport(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .current_dir(data_dir)
        .output()
        .expect("running rapport")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn token_create_prints_the_token_once_as_its_last_line_and_list_never_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let created = stdout(&rapport(dir.path(), &["token", "create", "--name", "helpdesk", "--scope", "ingest"]));
    let token = created.lines().last().unwrap();
    assert!(token.starts_with("rpt_") && token.len() == 68, "{token}");

    let listed = stdout(&rapport(dir.path(), &["token", "list"]));
    assert!(listed.contains("helpdesk") && listed.contains("ingest"));
    assert!(!listed.contains(token));
    assert!(listed.contains(&token[..10]), "the list shows a prefix to tell tokens apart");

    stdout(&rapport(dir.path(), &["token", "revoke", "helpdesk"]));
    let again = rapport(dir.path(), &["token", "revoke", "helpdesk"]);
    assert!(!again.status.success(), "revoking twice says there is nothing to revoke");
}

#[test]
fn a_bad_scope_is_refused_with_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let output = rapport(dir.path(), &["token", "create", "--name", "x", "--scope", "everything"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("ingest, read or admin"));
}

#[test]
fn demo_fills_the_database_with_a_desk() {
    let dir = tempfile::tempdir().unwrap();
    let output = stdout(&rapport(dir.path(), &["demo", "--tickets", "400", "--seed", "3"]));
    assert!(output.contains("8 teams, 40 agents"), "{output}");
    assert!(output.contains("400 tickets"), "{output}");
    // The demo is idempotent: its events carry ids, so running it again adds nothing.
    let again = stdout(&rapport(dir.path(), &["demo", "--tickets", "400", "--seed", "3"]));
    assert!(again.contains("400 tickets"), "{again}");
}

#[test]
fn config_example_prints_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let example = stdout(&rapport(dir.path(), &["config", "example"]));
    for key in ["data_dir", "database_url", "listen", "public_url", "max_body_bytes", "log_format"] {
        assert!(example.contains(&format!("{key} =")), "{key} is missing");
    }
}

#[test]
fn serve_creates_one_admin_with_a_random_password_printed_once_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_server(dir.path());
    let password = first.lines.iter().find_map(|l| l.strip_prefix("  password: ")).map(str::to_string);
    let password = password.expect("the first start prints the admin's password");
    assert!(password.len() >= 16);
    let health = http_get(&first.address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    drop(first);

    let second = start_server(dir.path());
    assert!(!second.lines.iter().any(|l| l.contains("password")), "printed only on the first start");
    let ready = http_get(&second.address, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
}

struct Server {
    child: std::process::Child,
    address: String,
    lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dir: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let reader = BufReader::new(child.stdout.take().unwrap());
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(address) = line.strip_prefix("Rapport is listening on http://") {
            return Server { address: address.to_string(), child, lines };
        }
        lines.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server stopped before listening: {lines:?}");
}

/// A bare HTTP/1.1 GET: enough to check the server answers, without an HTTP client.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn demo_adds_survey_history_once_with_about_a_quarter_answered() {
    let dir = tempfile::tempdir().unwrap();
    // "N survey invitations, M answers (X% answered)."
    let surveys = |output: &str| -> (String, u64, u64) {
        let line = output.lines().find(|l| l.contains("survey invitations")).unwrap_or_else(|| panic!("{output}"));
        let numbers: Vec<u64> =
            line.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
        assert!(line.contains("answers") && line.contains("% answered"), "{line}");
        assert_eq!(numbers.len(), 3, "{line}");
        (line.to_string(), numbers[0], numbers[1])
    };
    let first = stdout(&rapport(dir.path(), &["demo", "--tickets", "2000"]));
    let (line, invitations, answers) = surveys(&first);
    assert!(invitations > 1000, "{line}");
    let share = answers as f64 / invitations as f64;
    assert!((0.15..0.35).contains(&share), "{line}");

    let visits = first.lines().find(|l| l.contains("desk visits")).unwrap_or_else(|| panic!("{first}"));
    let counts: Vec<u64> =
        visits.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    assert!(counts[0] >= 40 && counts[1] > 0 && counts[1] < counts[0], "{visits}");

    let again = stdout(&rapport(dir.path(), &["demo", "--tickets", "2000"]));
    assert_eq!(surveys(&again).0, line, "a second run adds no decisions, invitations or answers");
    assert!(again.contains("0 desk visits, 0 visit-survey answers."), "{again}");
    assert!(again.contains("0 follow-ups added"), "{again}");
    // The demo's answers are in the rollups; a rebuild gives the same rows.
    let rebuilt = stdout(&rapport(dir.path(), &["rollups", "rebuild"]));
    assert!(rebuilt.starts_with("rollups rebuilt: ") && !rebuilt.contains(": 0 rows"), "{rebuilt}");
    let follow_ups = first.lines().find(|l| l.contains("follow-ups added")).unwrap_or_else(|| panic!("{first}"));
    let numbers: Vec<u64> =
        follow_ups.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    // added; open cases (overdue); closed; check-ins: every kind of follow-up is there.
    assert!(numbers.iter().all(|&n| n > 0), "{follow_ups}");

    // Last month's management report, and a client's, as files.
    use chrono::Datelike;
    let last_month = chrono::Utc::now().date_naive().with_day(1).unwrap().pred_opt().unwrap();
    let period = format!("{}-{:02}", last_month.year(), last_month.month());
    let written = stdout(&rapport(dir.path(), &["report", "--period", &period, "--format", "pdf"]));
    let file = dir.path().join(written.trim());
    assert!(written.trim() == format!("rapport-report-{period}-management.pdf"), "{written}");
    assert!(std::fs::read(&file).unwrap().starts_with(b"%PDF"));
    let xlsx = dir.path().join("finance.xlsx");
    // A demo organization, named in another case.
    let args = ["report", "--period", &period, "--organization", "engineering", "--format", "xlsx", "-o"];
    let output = rapport(dir.path(), &[&args[..], &[xlsx.to_str().unwrap()]].concat());
    assert_eq!(stdout(&output).trim(), xlsx.to_str().unwrap());
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an XLSX is a zip file");
    let bad = rapport(dir.path(), &["report", "--period", "2026-13"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM"));
    let unknown = rapport(dir.path(), &["report", "--period", &period, "--organization", "No Such Client"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no organization is called “No Such Client”"));
}

#[test]
fn user_commands_create_list_reset_and_disable_staff() {
    let dir = tempfile::tempdir().unwrap();
    let created = stdout(&rapport(
        dir.path(),
        &["user", "create", "--email", "Tom@Desk.example", "--name", "Tom Berg", "--role", "manager"],
    ));
    let password = created.lines().last().unwrap().to_string();
    assert!(password.len() >= 16, "{created}");
    let listed = stdout(&rapport(dir.path(), &["user", "list"]));
    assert!(
        listed.contains("tom@desk.example") && listed.contains("manager") && listed.contains("must change password")
    );
    assert!(!listed.contains(&password));
    let again =
        rapport(dir.path(), &["user", "create", "--email", "tom@desk.example", "--name", "Tom", "--role", "agent"]);
    assert!(!again.status.success(), "the email is taken");
    let reset = stdout(&rapport(dir.path(), &["user", "reset-password", "--email", "tom@desk.example"]));
    assert_ne!(reset.lines().last().unwrap(), password);
    stdout(&rapport(dir.path(), &["user", "disable", "--email", "tom@desk.example"]));
    assert!(stdout(&rapport(dir.path(), &["user", "list"])).contains("disabled"));
    let bad_role =
        rapport(dir.path(), &["user", "create", "--email", "x@desk.example", "--name", "X", "--role", "boss"]);
    assert!(!bad_role.status.success());
}
