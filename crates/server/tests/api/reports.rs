//! Reports: the management and client reports of a month as HTML, PDF (read back with
//! poppler), XLSX (opened with Python's openpyxl) and CSV; only what the viewer may see; the
//! admin's settings; and the monthly email through the outbox, sent once.

use crate::on_both_databases;
use crate::support::{Answered, TestApp};
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::process::Command;
use std::time::Duration;

async fn a_month_of_answers(app: &TestApp) {
    let answers = [
        ("INC-R1", "Finance", "Hardware", "5", "Tom fixed my printer in minutes, wonderful service!"),
        ("INC-R2", "Finance", "Hardware", "4", ""),
        ("INC-R3", "Finance", "Access", "2", "=HYPERLINK(\"http://evil.example\") waited three days"),
        ("INC-R4", "Legal", "Access", "5", "Legal's own praise: <b>great</b> & quick"),
        ("INC-R5", "Legal", "Hardware", "1", "Nobody came"),
    ];
    for (ticket, organization, category, score, comment) in answers {
        let team = if organization == "Legal" { "Network" } else { "Desktop Support" };
        let agent = if organization == "Legal" { "nia@desk.example" } else { "tom@desk.example" };
        app.answered(Answered { ticket, agent, team, organization, category, score, comment, ..Answered::default() })
            .await;
    }
}

fn tool(name: &str, args: &[&str]) -> String {
    let output = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed for this test (apt-get install poppler-utils / pip install openpyxl): {e}")
    });
    assert!(output.status.success(), "{name} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn download(client: &crate::support::StaffClient, path: &str) -> (u16, String, Vec<u8>) {
    let response = client.get(path).await;
    let status = response.status().as_u16();
    let disposition =
        response.headers().get("content-disposition").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, disposition, response.bytes().await.unwrap().to_vec())
}

on_both_databases! {
    async fn the_management_report_renders_as_html_pdf_xlsx_and_csv_with_its_numbers(app) {
        a_month_of_answers(&app).await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        let boss = app.signed_in("boss@desk.example").await;
        let (status, page) = boss.text("/reports?month=2025-11").await;
        assert_eq!(status, 200);
        assert!(page.contains("format=pdf") && page.contains("<iframe"), "{page}");

        // HTML as emailed: 3 of 5 answers are 4–5 → 60 % (Wilson 23–88 %), escaped quotes, sandboxed.
        let response = boss.get("/reports/file?month=2025-11&format=html").await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.starts_with("sandbox"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Management report") && html.contains("November 2025"));
        assert!(html.contains("60 %") && html.contains("23–88 %"), "{html}");
        assert!(html.contains("&lt;b&gt;great&lt;/b&gt;") && !html.contains("<b>great</b>"), "quotes are escaped");
        assert!(html.contains("<svg"), "the trend is an inline chart");

        // PDF read back with poppler.
        let (status, disposition, pdf) = download(&boss, "/reports/file?month=2025-11&format=pdf").await;
        assert_eq!(status, 200);
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(disposition, "attachment; filename=\"rapport-report-2025-11-management.pdf\"");
        let dir = tempfile::tempdir().unwrap();
        let pdf_path = dir.path().join("report.pdf");
        std::fs::write(&pdf_path, &pdf).unwrap();
        let text = tool("pdftotext", &["-layout", pdf_path.to_str().unwrap(), "-"]);
        assert!(text.contains("Management report") && text.contains("60 %"), "{text}");
        assert!(text.contains("Desktop Support") && text.contains("Network"), "the table by team");
        let png = dir.path().join("page");
        tool("pdftoppm", &["-png", "-r", "40", "-f", "1", "-l", "1", pdf_path.to_str().unwrap(), png.to_str().unwrap()]);
        let rendered = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).find(|e| e.path().extension().is_some_and(|x| x == "png"));
        assert!(rendered.is_some_and(|e| e.metadata().unwrap().len() > 2_000), "page 1 rasterises to a real image");

        // XLSX opened by openpyxl: one sheet per table, numbers as numbers, formulas defused.
        let (status, _, xlsx) = download(&boss, "/reports/file?month=2025-11&format=xlsx").await;
        assert_eq!(status, 200);
        let xlsx_path = dir.path().join("report.xlsx");
        std::fs::write(&xlsx_path, &xlsx).unwrap();
        let script = "import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {'sheets': wb.sheetnames}
team = wb['By team']
out['teams'] = [[c.value for c in row] for row in team.iter_rows(min_row=2, max_col=3)]
out['texts'] = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
print(json.dumps(out))";
        let read: serde_json::Value = serde_json::from_str(&tool("python3", &["-c", script, xlsx_path.to_str().unwrap()])).unwrap();
        let sheets: Vec<&str> = read["sheets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        for expected in ["Summary", "By team", "By category", "By organization", "Service gaps"] {
            assert!(sheets.contains(&expected), "{sheets:?}");
        }
        let teams = read["teams"].as_array().unwrap();
        assert!(teams.iter().any(|row| row[0] == "Desktop Support" && row[1] == 3 && (row[2].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9), "{teams:?}");
        let texts: Vec<&str> = read["texts"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert!(texts.iter().all(|t| !t.starts_with('=')), "no cell is a formula: {texts:?}");

        // CSV: every table with its header.
        let (status, disposition, csv) = download(&boss, "/reports/file?month=2025-11&format=csv").await;
        assert_eq!(status, 200);
        assert!(disposition.ends_with(".csv\""));
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("Name,Answers,CSAT") && csv.contains("Desktop Support"), "{csv}");

        // Bad input says what is wrong.
        assert_eq!(boss.get("/reports/file?month=2025-13&format=pdf").await.status(), 422);
        assert_eq!(boss.get("/reports/file?month=2025-11&format=docx").await.status(), 422);
        assert_eq!(boss.get("/reports/file?month=2025-11&organization=999999&format=pdf").await.status(), 404);
    }

    async fn a_client_report_holds_only_that_client_and_viewers_see_only_their_scope(app) {
        a_month_of_answers(&app).await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
        let finance: i64 = app.count("SELECT id FROM organizations WHERE name = 'Finance'").await;
        let legal: i64 = app.count("SELECT id FROM organizations WHERE name = 'Legal'").await;
        let boss = app.signed_in("boss@desk.example").await;
        let (status, html) = boss.text(&format!("/reports/file?month=2025-11&organization={finance}&format=html")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Client report — Finance"));
        // Finance: 2 of 3 answers are 4–5.
        assert!(html.contains("67 %") && html.contains("3 answers"), "{html}");
        assert!(!html.contains("Legal&#39;s own praise") && !html.contains("Legal's own praise"), "not another client's words");
        assert!(html.contains("Tom fixed my printer"), "the client's praise");

        let lead = app.signed_in("lead@desk.example").await;
        let (status, _) = lead.text(&format!("/reports/file?month=2025-11&organization={legal}&format=html")).await;
        assert_eq!(status, 404, "a manager cannot report on a client their teams never served");
        let (_, mine) = lead.text("/reports/file?month=2025-11&format=html").await;
        assert!(mine.contains("3 answers") && !mine.contains(">Network<"), "the manager's report covers their team only");
        let (_, page) = lead.text("/reports").await;
        assert!(!page.contains("/reports/settings"), "only admins set the monthly emails");
        let response = lead.post_form("/reports/settings", &[("csrf", "x"), ("target", "90")]).await;
        assert_eq!(response.status(), 404);
    }

    async fn the_monthly_reports_go_out_by_email_once(app) {
        a_month_of_answers(&app).await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        let boss = app.signed_in("boss@desk.example").await;
        let csrf = boss.csrf("/reports").await;
        let bad = boss
            .post_form("/reports/settings", &[("csrf", &csrf), ("target", "120"), ("management_recipients", "cio@desk.example, nope"), ("client_recipients", "Finance cfo@finance.example")])
            .await;
        assert_eq!(bad.status(), 422);
        let page = bad.text().await.unwrap();
        assert!(page.contains("from 1 to 100") && page.contains("“nope” is not an email address") && page.contains("line 1"), "{page}");
        let forged = boss.post_form("/reports/settings", &[("csrf", "forged"), ("target", "90")]).await;
        assert_eq!(forged.status(), 403);
        let saved = boss
            .post_form("/reports/settings", &[("csrf", &csrf), ("target", "90"), ("management_recipients", "cio@desk.example"), ("client_recipients", "finance: cfo@finance.example\nNobody Inc: x@nobody.example")])
            .await;
        assert_eq!(saved.status(), 200);
        let (_, dashboard) = boss.text("/dashboard").await;
        assert!(dashboard.contains("Target 90 %"), "the target is the desk's");

        // 1 December 2025 08:00 (desk time, UTC): November's reports go out.
        let before = app.smtp.messages().len();
        let now = app.clock.now();
        app.clock.advance(1_764_576_000_000 - now);
        app.run_worker().await;
        let mail = app.smtp.wait_for(before + 2, Duration::from_secs(5)).await;
        // Check-ins and recovery mail of the answers go out too; the reports are those with "report" subjects.
        let reports: Vec<_> = mail[before..]
            .iter()
            .map(|m| parse_message(&m.data).unwrap())
            .filter(|m| m.subject.as_deref().is_some_and(|s| s.contains(" report — ")))
            .collect();
        assert_eq!(reports.len(), 2, "the management report and Finance's; the unknown organization is skipped");
        let management = reports.iter().find(|m| m.to.iter().any(|t| t.address == "cio@desk.example")).expect("the management report");
        let subject = management.subject.as_deref().unwrap();
        assert!(subject.contains("Management report — November 2025"), "{subject}");
        let html = management.html.as_deref().unwrap();
        assert!(html.contains("60 %") && html.contains("<svg"));
        let client = reports.iter().find(|m| m.to.iter().any(|t| t.address == "cfo@finance.example")).expect("Finance's report");
        assert!(client.subject.as_deref().unwrap().contains("Client report — Finance"));
        assert!(client.text.as_deref().unwrap().contains("67 %"));

        // A second run of the same month (a retried job) sends nothing again; next month is scheduled.
        let key_count = app.count("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'report:2025-11:%'").await;
        assert_eq!(key_count, 2);
        let next = app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'monthly_reports' AND done_at IS NULL AND run_at = 1767254400000").await;
        assert_eq!(next, 1, "January's run is due on 1 January 2026 at 08:00");
        let now = app.clock.now();
        app.store.write(move |conn| {
            let config = rapport_server::Config::for_test(std::path::Path::new("."), "");
            rapport_server::report::schedule::send_reports(conn, &config, "2025-11".parse().unwrap(), now)
        }).await.unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'report:2025-11:%'").await, 2);
    }
}
