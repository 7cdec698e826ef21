//! The answer page in a real browser: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver) with fantoccini. What the HTTP tests cannot see is checked here: the
//! page's script records the face chosen in the email by itself, the customer changes it
//! and adds a comment, and without JavaScript one press of Send does the same.
//!
//! Needs `chromium` and `chromedriver` (`apt-get install -y chromium chromium-driver`;
//! `CHROMIUM` and `CHROMEDRIVER` point elsewhere). `RAPPORT_SKIP_BROWSER_TESTS=1` skips.
//! Screenshots of the page, on a desktop and a phone, go to `target/screenshots/`.

#[path = "../browser_support/mod.rs"]
mod browser_support;
#[path = "../support/mod.rs"]
mod support;

use browser_support::{Browser, JavaScript, DESKTOP};
use fantoccini::Locator;
use rapport_domain::Scope;
use rapport_mail::parse_message;
use serde_json::Value;
use std::time::Duration;
use support::{event, TestApp};

const SAVED: &str = "Thank you! Your rating has been recorded.";
const UPDATED: &str = "Thank you! Your answer has been updated.";
/// Writes each browser test twice, `name::sqlite` and `name::postgres`, like
/// `on_both_databases!`; the browser starts first, so a missing one fails (or skips) at once.
macro_rules! in_a_browser_on_both_databases {
    ($($name:ident: $scenario:ident with $javascript:expr;)*) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(browser) = Browser::start($javascript).await {
                        $scenario(TestApp::sqlite().await, browser, "sqlite").await
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(browser) = Browser::start($javascript).await {
                        $scenario(TestApp::postgres().await, browser, "postgres").await
                    }
                }
            }
        )*
    };
}

in_a_browser_on_both_databases! {
    a_person_who_clicks_a_smiley_sees_the_rating_recorded_adds_a_comment_and_changes_the_rating:
        clicks_a_smiley_then_changes_the_answer with JavaScript::On;
    without_javascript_one_press_of_send_records_the_answer:
        presses_send_without_javascript with JavaScript::Off;
}

async fn clicks_a_smiley_then_changes_the_answer(app: TestApp, browser: Browser, db: &str) {
    let (ticket, link) = survey_link(&app, "INC200", "ana@example.com", 4).await;
    // The test clock stands still: a person reads the email a few minutes after it came
    // (an answer seconds after sending is flagged as automated).
    app.clock.advance(5 * 60_000);

    browser.size(DESKTOP).await;
    browser.client.goto(&link).await.expect("opening the smiley link");
    assert!(browser.radio_checked("score", 4).await, "the face clicked in the email is chosen");
    browser.screenshots(&format!("{db}-js-1-opened")).await;

    // Nothing more to do: after 3 s in view, the page records the face by itself.
    browser.wait_for_text("#status", SAVED, Duration::from_secs(15)).await;
    let response = response_of(&app, ticket).await;
    assert_eq!(response["csat"], 4, "{response}");
    assert_eq!(response["automated"], false, "{response}");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
    browser.screenshots(&format!("{db}-js-2-recorded")).await;

    // A minute later the customer thinks better of it: another face and a comment.
    app.clock.advance(60_000);
    let comment = "The printer jammed again the next morning.";
    let face = "//label[contains(@class, 'face')][input[@name='score' and @value='2']]";
    browser.client.find(Locator::XPath(face)).await.expect("the face for 2").click().await.expect("choosing it");
    assert!(browser.radio_checked("score", 2).await, "clicking the face chooses it");
    browser.client.find(Locator::Css("#comment")).await.expect("the comment box").send_keys(comment).await.unwrap();
    browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text(".card > p.notice", UPDATED, Duration::from_secs(15)).await;
    assert!(browser.radio_checked("score", 2).await, "the page shows the new answer");
    let button = browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Update my answer");
    browser.screenshots(&format!("{db}-js-3-updated")).await;

    let response = response_of(&app, ticket).await;
    assert_eq!((response["csat"].as_i64(), response["comment"].as_str()), (Some(2), Some(comment)), "{response}");
    assert_eq!(response["automated"], false, "{response}");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
    browser.close().await;
}

async fn presses_send_without_javascript(app: TestApp, browser: Browser, db: &str) {
    let (ticket, link) = survey_link(&app, "INC201", "ben@example.com", 4).await;
    app.clock.advance(5 * 60_000);

    browser.size(DESKTOP).await;
    browser.client.goto(&link).await.expect("opening the smiley link");
    assert!(browser.radio_checked("score", 4).await, "the face clicked in the email is chosen");
    // Longer than the script would wait: with JavaScript off, opening records nothing.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(response_of(&app, ticket).await, Value::Null, "nothing recorded before Send");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);
    browser.screenshots(&format!("{db}-nojs-1-opened")).await;

    browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text(".card > p.notice", SAVED, Duration::from_secs(15)).await;
    let response = response_of(&app, ticket).await;
    assert_eq!(response["csat"], 4, "{response}");
    assert_eq!(response["automated"], false, "{response}");
    browser.screenshots(&format!("{db}-nojs-2-sent")).await;
    browser.close().await;
}

/// Closes ticket `external_id` for `email` (in English), lets the survey go out and
/// answers the ticket's id and the email's link for face `score`.
async fn survey_link(app: &TestApp, external_id: &str, email: &str, score: u8) -> (i64, String) {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("close-{external_id}"), external_id, "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["requester"]["email"] = email.into();
    body["ticket"]["requester"]["language"] = "en".into();
    let answer: Value = app.post_event(&token, &body).await.json().await.unwrap();
    let ticket = answer["ticket_id"].as_i64().unwrap_or_else(|| panic!("a ticket id in {answer}"));
    assert_eq!(app.after_minutes(61).await.delivered, 1, "the survey email goes out after the delay");
    let mail = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    let text = parse_message(&mail[0].data).unwrap().text.expect("a text part");
    let link = text
        .split_whitespace()
        .find(|word| word.ends_with(&format!("?score={score}")))
        .unwrap_or_else(|| panic!("a link for face {score} in:\n{text}"))
        .to_string();
    (ticket, link)
}

/// The ticket's first invitation's response, as the API shows it (`null` if none).
async fn response_of(app: &TestApp, ticket: i64) -> Value {
    let read = app.token(Scope::Read).await;
    let (status, body) = app.get_json(&read, &format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!(status, 200, "{body}");
    body["survey"]["invitations"][0]["response"].clone()
}
