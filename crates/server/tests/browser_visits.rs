//! Recording a desk visit on a phone, in a real browser (headless Chromium): type the
//! ticket number, Find, tap a status, tick "customer was away", Record — five touches and
//! one short text, nothing scrolls sideways. Then the customer's status page from the
//! visit email. Screenshots go to `target/screenshots/visit-*.png`.
//!
//! Needs `chromium` and `chromedriver`; `RAPPORT_SKIP_BROWSER_TESTS=1` skips.

mod browser_support;
mod support;

use browser_support::{Browser, JavaScript, PHONE};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::time::Duration;
use support::{event, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_records_a_visit_on_a_phone_in_a_few_touches() {
    let Some(browser) = Browser::start(JavaScript::On).await else { return };
    let app = TestApp::sqlite().await;
    let token = app.token(Scope::Ingest).await;
    let mut opened = event("open-INC9001", "INC9001", "open", "2025-11-19T09:00:00Z");
    opened["ticket"]["requester"]["language"] = "en".into();
    app.post_event(&token, &opened).await;
    app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;

    browser.size(PHONE).await;
    browser.open(&app.url("/sign-in")).await;
    browser.fill("#email", "tom@desk.example").await;
    browser.fill("#password", support::STAFF_PASSWORD).await;
    browser.click("form[action='/sign-in'] button[type=submit]").await;
    browser.wait_for_path("/").await;

    browser.open(&app.url("/visits/new")).await;
    browser.screenshots("visit-new-empty").await;
    browser.size(PHONE).await;
    // 1–2: the number and Find. The one match is chosen already.
    browser.fill("#q", "INC9001").await;
    browser.click(".visit-search button[type=submit]").await;
    browser.wait_for("input[name=ticket_id]:checked").await;
    assert!(browser.sideways_overflow().await.is_empty(), "the form fits a phone");
    browser.screenshots("visit-new-found").await;
    browser.size(PHONE).await;
    // 3–5: a status, "away", Record.
    browser.click("input[name=status][value=waiting_for_parts]").await;
    browser.click("input[name=customer_away]").await;
    browser.fill("#next_step", "New drum on Monday").await;
    browser.click(".visit-form button[type=submit]").await;
    let recorded = "Visit recorded. The visit card is on its way to the customer by email.";
    browser.wait_for_text("main .notice", recorded, Duration::from_secs(15)).await;
    assert!(browser.path().await.starts_with("/visits/"));
    let shown = browser.main_text().await;
    assert!(shown.contains("Waiting for parts") && shown.contains("New drum on Monday"), "{shown}");
    browser.screenshots("visit-recorded").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM visits WHERE customer_away = 1").await, 1);

    // The customer follows the visit email's link to the status page.
    app.run_worker().await;
    let mail = app.smtp.wait_for(1, Duration::from_secs(5)).await;
    let text = parse_message(&mail[0].data).unwrap().text.unwrap();
    let status_link = text.split_whitespace().find(|w| w.contains("/t/")).unwrap().to_string();
    browser.open(&status_link).await;
    let page = browser.main_text().await;
    assert!(page.contains("Waiting for parts") && page.contains("New drum on Monday"), "{page}");
    browser.screenshots("visit-status-page").await;
    browser.open(&app.url("/visits")).await;
    browser.screenshots("visit-list").await;
    browser.close().await;
}
