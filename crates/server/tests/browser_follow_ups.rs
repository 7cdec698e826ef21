//! A manager works a recovery case in a real browser (headless Chromium): from the
//! follow-up queue to the case page, every guided step ticked with a note, then closed
//! with a root cause, a service gap and "resolved". Screenshots go to
//! `target/screenshots/follow-up-*.png`.
//!
//! Needs `chromium` and `chromedriver`; `RAPPORT_SKIP_BROWSER_TESTS=1` skips.

mod browser_support;
mod support;

use browser_support::{Browser, JavaScript};
use rapport_domain::followup::RecoveryStep;
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::time::Duration;
use support::{event, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_works_a_recovery_case_from_the_queue_through_every_step_to_closed() {
    let Some(browser) = Browser::start(JavaScript::On).await else { return };
    let app = TestApp::sqlite().await;
    let ingest = app.token(Scope::Ingest).await;
    let mut closed = event("close-INC5001", "INC5001", "closed", "2025-11-20T11:00:00Z");
    closed["ticket"]["requester"]["language"] = "en".into();
    app.post_event(&ingest, &closed).await;
    app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
    app.after_minutes(61).await;
    let mail = app.smtp.wait_for(1, Duration::from_secs(5)).await;
    let text = parse_message(&mail[0].data).unwrap().text.unwrap();
    let survey =
        text.split_whitespace().find(|w| w.contains("?score=")).unwrap().split('?').next().unwrap().to_string();
    app.clock.advance(60_000);
    app.client.post(&survey).form(&[("score", "1"), ("comment", "Printer still jams")]).send().await.unwrap();
    app.after_minutes(6).await;

    browser.open(&app.url("/sign-in")).await;
    browser.fill("#email", "lead@desk.example").await;
    browser.fill("#password", support::STAFF_PASSWORD).await;
    browser.click("form[action='/sign-in'] button[type=submit]").await;
    browser.wait_for_path("/").await;
    browser.click("a[href='/follow-ups']").await;
    browser.wait_for_path("/follow-ups").await;
    browser.screenshots("follow-up-queue").await;
    assert!(browser.main_text().await.contains("INC5001"));
    browser.click("main table a[href^='/follow-ups/']").await;
    browser.wait_for(".steps").await;
    browser.screenshots("follow-up-case-open").await;

    for step in RecoveryStep::ALL {
        let key = step.as_str();
        browser.fill(&format!("#note-{key}"), &format!("note for {key}")).await;
        browser.click(&format!("form.step-form:has(input[name=step][value={key}]) button[type=submit]")).await;
        let note = format!("note for {key}");
        let started = std::time::Instant::now();
        while !browser.main_text().await.contains(&note) {
            assert!(started.elapsed() < Duration::from_secs(15), "{key} is shown as done with its note");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM follow_up_events WHERE kind = 'step'").await, 7);

    browser.fill("#root_cause", "The fuser was replaced with a used part.").await;
    browser.execute("document.querySelector('#service_gap').selectedIndex = 2; return null;").await;
    browser.click("input[name=resolved][value=yes]").await;
    browser.click("form[action$='/close'] button[type=submit]").await;
    browser.wait_for("main .notice").await;
    let shown = browser.main_text().await;
    assert!(shown.contains("Done") && shown.contains("The fuser was replaced"), "{shown}");
    assert!(browser.sideways_overflow().await.is_empty());
    browser.screenshots("follow-up-case-closed").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE state = 'done' AND resolved = 1").await, 1);
    browser.close().await;
}
