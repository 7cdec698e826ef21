//! The staff side: sign-in, sessions, brute-force limits, CSRF, and what each role may
//! see, on every staff page and in the JSON API.

use crate::on_both_databases;
use crate::support::{event, TestApp, STAFF_PASSWORD};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use serde_json::Value;

/// A closed, answered ticket of `agent` on `team`, with a comment. Answers its id.
async fn answered_ticket(
    app: &TestApp,
    external_id: &str,
    agent: &str,
    team: &str,
    customer: &str,
    comment: &str,
) -> i64 {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("e-{external_id}"), external_id, "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["assignee"]["email"] = agent.into();
    body["ticket"]["team"] = team.into();
    body["ticket"]["requester"]["email"] = format!("{}@example.com", external_id.to_lowercase()).into();
    body["ticket"]["requester"]["name"] = customer.into();
    body["ticket"]["requester"]["language"] = "en".into();
    let answer: Value = app.post_event(&token, &body).await.json().await.unwrap();
    let before = app.smtp.messages().len();
    app.after_minutes(61).await;
    let mail = app.smtp.wait_for(before + 1, std::time::Duration::from_secs(5)).await;
    // Other mail may arrive too (an earlier answer's follow-up): take the survey.
    let text = mail[before..]
        .iter()
        .filter_map(|m| parse_message(&m.data).unwrap().text)
        .find(|text| text.contains("?score=2"))
        .expect("the survey email");
    let link =
        text.split_whitespace().find(|w| w.ends_with("?score=2")).unwrap().split('?').next().unwrap().to_string();
    app.clock.advance(60_000);
    let saved = app.client.post(link).form(&[("score", "2"), ("comment", comment)]).send().await.unwrap();
    assert_eq!(saved.status(), 200);
    answer["ticket_id"].as_i64().unwrap()
}

on_both_databases! {
    async fn a_staff_member_signs_in_and_out_and_pages_need_a_session(app) {
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        let browser = app.browser();
        let home = browser.get("/").await;
        assert_eq!((home.status().as_u16(), home.headers()["location"].to_str().unwrap()), (303, "/sign-in"));
        let signed = browser.sign_in("boss@desk.example", STAFF_PASSWORD).await;
        assert_eq!(signed.status(), 303);
        let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("rapport_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "no Secure flag over plain http");
        let (status, html) = browser.text("/").await;
        assert_eq!(status, 200);
        assert!(html.contains("boss@desk.example"));

        let csrf = browser.csrf("/").await;
        let without = browser.post_form("/sign-out", &[("csrf", "forged")]).await;
        assert_eq!(without.status(), 403, "sign-out needs the form token");
        assert_eq!(browser.get("/").await.status(), 200);
        let out = browser.post_form("/sign-out", &[("csrf", csrf.as_str())]).await;
        assert_eq!(out.status(), 303);
        assert_eq!(browser.get("/").await.status(), 303, "the session ended on the server");
        assert_eq!(browser.get("/sign-out").await.status(), 405, "sign-out is never a GET");
    }

    async fn an_unknown_email_and_a_wrong_password_look_the_same(app) {
        app.staff_user(StaffRole::Agent, "ann@desk.example", &[]).await;
        let error = |html: String| html.split("role=\"alert\"").nth(1).unwrap_or_default().split("</p>").next().unwrap_or_default().to_string();
        let wrong = app.browser().sign_in("ann@desk.example", "not the password").await;
        let unknown = app.browser().sign_in("nobody@desk.example", "not the password").await;
        assert_eq!((wrong.status().as_u16(), unknown.status().as_u16()), (401, 401));
        assert_eq!(error(wrong.text().await.unwrap()), error(unknown.text().await.unwrap()));
    }

    async fn repeated_failures_are_refused_for_a_while_even_with_the_right_password(app) {
        app.staff_user(StaffRole::Agent, "bob@desk.example", &[]).await;
        for _ in 0..5 {
            assert_eq!(app.browser().sign_in("bob@desk.example", "guess").await.status(), 401);
        }
        let blocked = app.browser().sign_in("bob@desk.example", STAFF_PASSWORD).await;
        assert_eq!(blocked.status(), 429);
        assert!(blocked.text().await.unwrap().contains("Too many failed sign-ins"));
        app.clock.advance(16 * 60_000);
        assert_eq!(app.browser().sign_in("bob@desk.example", STAFF_PASSWORD).await.status(), 303);
    }

    async fn a_sign_in_form_without_its_token_is_refused(app) {
        app.staff_user(StaffRole::Agent, "cat@desk.example", &[]).await;
        let browser = app.browser();
        let forged = browser.post_form("/sign-in", &[("email", "cat@desk.example"), ("password", STAFF_PASSWORD), ("csrf", "x")]).await;
        assert_eq!(forged.status(), 403);
    }

    async fn sessions_end_when_idle_too_long_when_disabled_and_after_a_reset(app) {
        let id = app.staff_user(StaffRole::Agent, "dan@desk.example", &[]).await;
        let browser = app.signed_in("dan@desk.example").await;
        app.clock.advance(3 * 3_600_000);
        assert_eq!(browser.get("/").await.status(), 303, "idle for three hours");

        let browser = app.signed_in("dan@desk.example").await;
        app.store.disable_staff_user(id, app.clock.now()).await.unwrap();
        assert_eq!(browser.get("/").await.status(), 303, "disabled: out at once");
        assert_eq!(app.browser().sign_in("dan@desk.example", STAFF_PASSWORD).await.status(), 401);

        let eve = app.staff_user(StaffRole::Agent, "eve@desk.example", &[]).await;
        let hash = rapport_domain::password::hash_password("temporary password 1");
        app.store.set_staff_password(eve, hash, true, app.clock.now()).await.unwrap();
        let browser = app.browser();
        let signed = browser.sign_in("eve@desk.example", "temporary password 1").await;
        assert_eq!(signed.headers()["location"], "/account/password");
        assert_eq!(browser.get("/").await.headers()["location"], "/account/password");
        let csrf = browser.csrf("/account/password").await;
        let form = [("csrf", csrf.as_str()), ("current", "temporary password 1"), ("new", "a brand new secret"), ("repeat", "a brand new secret")];
        assert_eq!(browser.post_form("/account/password", &form).await.status(), 303);
        assert_eq!(browser.get("/").await.status(), 200);
    }

    async fn each_role_sees_only_what_it_may_on_every_staff_page(app) {
        let mine = answered_ticket(&app, "INC-A1", "alice@desk.example", "Desktop", "Customer One", "slow but ok").await;
        let theirs = answered_ticket(&app, "INC-B1", "bruno@desk.example", "Network", "Customer Two", "never called back").await;
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop"]).await;
        app.staff_user(StaffRole::Agent, "alice@desk.example", &[]).await;
        app.staff_user(StaffRole::Agent, "nobody@desk.example", &[]).await;

        // (who, sees INC-A1, sees INC-B1, admin pages)
        let matrix = [
            ("admin@desk.example", true, true, true),
            ("lead@desk.example", true, false, false),
            ("alice@desk.example", true, false, false),
            ("nobody@desk.example", false, false, false),
        ];
        for (who, sees_mine, sees_theirs, admin) in matrix {
            let browser = app.signed_in(who).await;
            for path in ["/", "/tickets", "/answers", "/answers.csv"] {
                let (status, body) = browser.text(path).await;
                assert_eq!(status, 200, "{who} {path}");
                assert_eq!(body.contains("INC-A1"), sees_mine, "{who} on {path}");
                assert_eq!(body.contains("INC-B1"), sees_theirs, "{who} on {path}");
            }
            // Filter menus name only the teams of tickets this person may see.
            let (_, tickets_page) = browser.text("/tickets").await;
            assert_eq!(tickets_page.contains(">Network<"), sees_theirs, "{who}: team names in menus");
            let expect = |sees: bool| if sees { 200 } else { 404 };
            assert_eq!(browser.get(&format!("/tickets/{mine}")).await.status().as_u16(), expect(sees_mine), "{who}");
            let other = browser.get(&format!("/tickets/{theirs}")).await;
            assert_eq!(other.status().as_u16(), expect(sees_theirs), "{who}");
            if !sees_theirs {
                assert!(other.text().await.unwrap().contains("<h1>Not found</h1>"), "a page for people, not JSON");
            }
            for path in ["/mailbox", "/audit"] {
                assert_eq!(browser.get(path).await.status().as_u16(), expect(admin), "{who} {path}");
            }
            // A staff session is not an API credential.
            assert_eq!(browser.get("/api/v1/tickets").await.status(), 401, "{who}");
            assert_eq!(browser.get("/api/v1/responses").await.status(), 401, "{who}");
        }
    }

    async fn script_in_comments_and_names_is_shown_as_text_on_staff_pages(app) {
        let payload = "<script>alert('x')</script>";
        let ticket = answered_ticket(&app, "INC-X1", "alice@desk.example", "Desktop", payload, payload).await;
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        for path in ["/".to_string(), "/answers".into(), "/tickets".into(), format!("/tickets/{ticket}")] {
            let (_, html) = browser.text(&path).await;
            assert!(!html.contains(payload), "raw script on {path}");
            assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "escaped text on {path}");
        }
        let (_, csv) = browser.text("/answers.csv").await;
        assert!(csv.contains(payload), "CSV holds the text as written");
    }

    async fn spreadsheet_formulas_in_answers_are_defused_in_the_csv_export(app) {
        answered_ticket(&app, "INC-F1", "alice@desk.example", "Desktop", "=HYPERLINK(\"x\")", "=1+1").await;
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let (_, csv) = browser.text("/answers.csv").await;
        assert!(csv.contains("'=1+1") && csv.contains("'=HYPERLINK"), "{csv}");
    }

    async fn the_mailbox_shows_what_was_sent_to_customers(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let (status, html) = browser.text("/mailbox").await;
        assert_eq!(status, 200);
        assert!(html.contains("smtp_url"), "this test app sends by SMTP, so the page says there is no local mailbox");
    }
}

#[tokio::test]
async fn the_local_mailbox_shows_what_was_sent_as_the_customer_sees_it() {
    let app = TestApp::sqlite_with_mailbox().await;
    let token = app.token(Scope::Ingest).await;
    let mut body = event("mb-1", "INC-MB1", "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["requester"]["language"] = "en".into();
    app.post_event(&token, &body).await;
    assert_eq!(app.after_minutes(61).await.delivered, 1);
    app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
    let browser = app.signed_in("admin@desk.example").await;
    let (status, list) = browser.text("/mailbox").await;
    assert_eq!(status, 200);
    assert!(list.contains("INC-MB1"), "{list}");
    let at = list.find("href=\"/mailbox/").unwrap() + 15;
    let file: String = list[at..].split('"').next().unwrap().to_string();
    let (status, message) = browser.text(&format!("/mailbox/{file}")).await;
    assert_eq!(status, 200);
    assert!(message.contains("ana@example.com") && message.contains("List-Unsubscribe"));
    let html = browser.get(&format!("/mailbox/{file}/html")).await;
    assert!(html.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert!(html.text().await.unwrap().contains("?score=5"));
    let lead = app.staff_user(StaffRole::Manager, "lead@desk.example", &[]).await;
    assert!(lead > 0);
    let manager = app.signed_in("lead@desk.example").await;
    assert_eq!(manager.get(&format!("/mailbox/{file}")).await.status(), 404);
}
