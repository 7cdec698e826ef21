//! "Print cards" as a technician uses it: the PDF is rendered to images with poppler's
//! `pdftoppm`, the QR codes are decoded from the pixels, and each leads where it should
//! (the ticket's status page, the visit's survey). Without poppler-utils these tests fail,
//! unless `RAPPORT_SKIP_PDF_TOOLS=1`.

use crate::support::{event, TestApp};
use rapport_domain::Scope;
use rapport_store::StaffRole;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn tools_missing() -> bool {
    let missing = ["pdftoppm", "pdfinfo"].iter().any(|tool| Command::new(tool).arg("-v").output().is_err());
    if missing && std::env::var("RAPPORT_SKIP_PDF_TOOLS").as_deref() != Ok("1") {
        panic!("pdftoppm and pdfinfo are needed: apt-get install poppler-utils (or set RAPPORT_SKIP_PDF_TOOLS=1)");
    }
    missing
}

/// Every QR code on every page of `pdf`, rendered at 150 dpi in grey.
fn qr_codes(pdf: &[u8], dir: &Path) -> Vec<String> {
    let file = dir.join("cards.pdf");
    std::fs::write(&file, pdf).unwrap();
    let prefix = dir.join("page");
    let status =
        Command::new("pdftoppm").args(["-r", "150", "-gray"]).arg(&file).arg(&prefix).status().expect("pdftoppm runs");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
        .collect();
    pages.sort();
    let mut found = Vec::new();
    for page in pages {
        let (width, height, pixels) = parse_pgm(&std::fs::read(page).unwrap());
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
        for grid in image.detect_grids() {
            found.push(grid.decode().expect("every QR code decodes").1);
        }
    }
    found
}

fn parse_pgm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    // "P5\n<w> <h>\n255\n" then one byte per pixel (pdftoppm writes no comments).
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !data[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..pos]).into_owned());
    }
    assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P5", "255"));
    let (width, height): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (width, height, data[pos + 1..pos + 1 + width * height].to_vec())
}

fn page_size(pdf: &[u8], dir: &Path) -> String {
    let file = dir.join("size.pdf");
    std::fs::write(&file, pdf).unwrap();
    let info = String::from_utf8(Command::new("pdfinfo").arg(&file).output().unwrap().stdout).unwrap();
    info.lines().find(|l| l.starts_with("Page size:")).unwrap().to_string()
}

async fn record(app: &TestApp, external_id: &str, away: bool) -> i64 {
    let token = app.token(Scope::Ingest).await;
    let mut opened = event(&format!("open-{external_id}"), external_id, "open", "2025-11-19T09:00:00Z");
    opened["ticket"]["requester"]["email"] = format!("{}@example.com", external_id.to_lowercase()).into();
    opened["ticket"]["requester"]["language"] = "en".into();
    app.post_event(&token, &opened).await;
    let body = json!({"visit_id": format!("v-{external_id}"), "ticket": {"external_id": external_id},
        "technician": {"email": "tom@desk.example", "name": "Tom Berg"}, "status": "need_you_present",
        "next_step": "Please be at your desk at 10:00", "customer_away": away});
    let response = app.client.post(app.url("/api/v1/visits")).bearer_auth(&token).json(&body).send().await.unwrap();
    let visit: Value = response.json().await.unwrap();
    visit["id"].as_i64().unwrap()
}

#[tokio::test]
async fn printed_cards_carry_qr_codes_that_lead_to_the_status_page_and_the_visit_survey() {
    if tools_missing() {
        return;
    }
    let app = TestApp::sqlite().await;
    let first = record(&app, "INC8001", true).await;
    let second = record(&app, "INC8002", false).await;
    app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;
    let tom = app.signed_in("tom@desk.example").await;
    let csrf = tom.csrf(&format!("/visits/{first}")).await;

    let (a, b) = (first.to_string(), second.to_string());
    let form = [("csrf", csrf.as_str()), ("visit", a.as_str()), ("visit", b.as_str()), ("size", "a6")];
    let printed = tom.post_form("/visits/print", &form).await;
    assert_eq!(printed.status(), 200);
    assert_eq!(printed.headers()["content-type"], "application/pdf");
    let pdf = printed.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    let dir = tempfile::tempdir().unwrap();
    assert!(page_size(&pdf, dir.path()).contains("595.276 x 841.89"), "A6 cards print on A4");
    let codes = qr_codes(&pdf, dir.path());
    assert_eq!(codes.len(), 4, "two cards per visit: {codes:?}");
    let status_links: Vec<&String> = codes.iter().filter(|c| c.contains("/t/")).collect();
    let survey_links: Vec<&String> = codes.iter().filter(|c| c.contains("/s/")).collect();
    assert_eq!((status_links.len(), survey_links.len()), (2, 2), "{codes:?}");
    for link in &status_links {
        assert!(link.starts_with(&app.address), "{link}");
        let page = app.client.get(link.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("INC8001") || html.contains("INC8002"));
        assert!(html.contains("Please be at your desk at 10:00"));
    }
    for link in &survey_links {
        let html = app.client.get(link.as_str()).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("How was our visit to your desk?"), "{html}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0, "scanning records nothing");

    // US postcards, one visit per Letter sheet; a print needs the form token.
    let us = [("csrf", csrf.as_str()), ("visit", a.as_str()), ("size", "us-postcard")];
    let letter = tom.post_form("/visits/print", &us).await.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(page_size(&letter, dir.path()).contains("612 x 792"));
    assert_eq!(qr_codes(&letter, dir.path()).len(), 2);
    let forged = tom.post_form("/visits/print", &[("csrf", "forged"), ("visit", a.as_str())]).await;
    assert_eq!(forged.status(), 403);

    // Someone else's visit is not printable; nor is a GET a print.
    app.staff_user(StaffRole::Agent, "eve@desk.example", &[]).await;
    let eve = app.signed_in("eve@desk.example").await;
    let eve_csrf = eve.csrf("/visits").await;
    let theirs = eve.post_form("/visits/print", &[("csrf", eve_csrf.as_str()), ("visit", a.as_str())]).await;
    assert_eq!(theirs.status(), 404);
    assert_eq!(tom.get("/visits/print").await.status(), 405);
}
