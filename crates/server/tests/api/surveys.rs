//! Surveys end to end: a ticket closes, the delay passes on a controllable clock, the
//! email arrives over real SMTP, a smiley link is followed, the answer is stored.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use serde_json::{json, Value};

/// Closes ticket `external_id` for `email` and answers the ticket's id.
async fn close_ticket(app: &TestApp, token: &str, external_id: &str, email: &str) -> i64 {
    let mut body = event(&format!("close-{external_id}"), external_id, "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["requester"]["email"] = email.into();
    body["ticket"]["requester"]["language"] = "en".into();
    let answer: Value = app.post_event(token, &body).await.json().await.unwrap();
    answer["ticket_id"].as_i64().unwrap()
}

async fn survey_of(app: &TestApp, ticket_id: i64) -> Value {
    let read = app.token(Scope::Read).await;
    app.get_json(&read, &format!("/api/v1/tickets/{ticket_id}")).await.1["survey"].clone()
}

/// The link of face `score` in a survey email's text part.
fn smiley_link(text: &str, score: u8) -> String {
    text.split_whitespace()
        .find(|word| word.ends_with(&format!("?score={score}")))
        .expect("a link for every face")
        .to_string()
}

on_both_databases! {
    async fn a_closed_ticket_is_surveyed_by_email_after_the_delay_and_answered_in_one_click(app) {
        let token = app.token(Scope::Ingest).await;
        let ticket = close_ticket(&app, &token, "INC100", "ana@example.com").await;
        assert_eq!(survey_of(&app, ticket).await["decision"]["decision"], "invited");

        assert_eq!(app.run_worker().await.delivered, 0, "nothing before the delay");
        assert_eq!(app.after_minutes(61).await.delivered, 1);
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        assert_eq!(mail[0].to, ["ana@example.com"]);
        let message = parse_message(&mail[0].data).unwrap();
        assert!(message.header("Subject").unwrap().contains("INC100"));
        assert_eq!(message.header("Auto-Submitted"), Some("auto-generated"));
        assert_eq!(message.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        assert!(message.header("List-Unsubscribe").unwrap().contains("/opt-out"));
        assert!(message.header("Message-ID").unwrap().contains("survey-"));
        let text = message.text.clone().unwrap();
        assert!(text.contains("Hi Ana,") && text.contains("Tom"), "{text}");
        assert!(message.html.as_deref().unwrap().contains("?score=5"));

        // Following the link, as a scanner would, records nothing.
        let link = smiley_link(&text, 5);
        assert_eq!(app.client.get(&link).send().await.unwrap().status(), 200);
        assert_eq!(app.client.head(&link).send().await.unwrap().status(), 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);

        // A person presses Send a minute later.
        app.clock.advance(60_000);
        let post = link.split('?').next().unwrap();
        let page = app.client.post(post).form(&[("score", "5"), ("comment", "Fast and friendly")]).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let survey = survey_of(&app, ticket).await;
        let response = &survey["invitations"][0]["response"];
        assert_eq!((response["csat"].as_i64(), response["comment"].as_str()), (Some(5), Some("Fast and friendly")));
        assert_eq!(response["automated"], false);
        assert_eq!(survey["invitations"][0]["state"], "answered");

        // No reminder goes to someone who answered.
        assert_eq!(app.after_minutes(4 * 24 * 60).await.delivered, 0);
        assert_eq!(app.smtp.messages().len(), 1);
    }

    async fn a_reminder_follows_when_unanswered_and_the_survey_closes_at_expiry(app) {
        let token = app.token(Scope::Ingest).await;
        close_ticket(&app, &token, "INC101", "ben@example.com").await;
        app.after_minutes(61).await;
        assert_eq!(app.after_minutes(3 * 24 * 60).await.delivered, 1, "one reminder after three days");
        let mail = app.smtp.wait_for(2, std::time::Duration::from_secs(5)).await;
        let first = parse_message(&mail[0].data).unwrap().text.unwrap();
        let reminder = parse_message(&mail[1].data).unwrap();
        assert!(reminder.header("Subject").unwrap().starts_with("Reminder"));
        let second = reminder.text.unwrap();
        assert_ne!(smiley_link(&first, 4), smiley_link(&second, 4), "each email has its own token");
        assert_eq!(app.client.get(smiley_link(&first, 4)).send().await.unwrap().status(), 200);
        assert_eq!(app.after_minutes(5 * 24 * 60).await.delivered, 0, "only one reminder by default");

        // After the 14 days, the link shows the same page as a made-up one.
        app.after_minutes(7 * 24 * 60).await;
        let expired = app.client.get(smiley_link(&second, 4)).send().await.unwrap();
        let invented = app.client.get(app.url("/s/00000000000000000000000000000000?score=4")).send().await.unwrap();
        assert_eq!((expired.status().as_u16(), invented.status().as_u16()), (404, 404));
        assert_eq!(expired.text().await.unwrap(), invented.text().await.unwrap());
        let post = smiley_link(&second, 4).split('?').next().unwrap().to_string();
        assert_eq!(app.client.post(post).form(&[("score", "4")]).send().await.unwrap().status(), 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);
    }

    async fn reopening_the_ticket_before_sending_cancels_its_survey(app) {
        let token = app.token(Scope::Ingest).await;
        let ticket = close_ticket(&app, &token, "INC102", "cy@example.com").await;
        let reopened = event("reopen-INC102", "INC102", "reopened", "2026-11-20T14:20:00Z");
        app.post_event(&token, &reopened).await;
        assert_eq!(app.after_minutes(61).await.delivered, 0);
        let survey = survey_of(&app, ticket).await;
        assert_eq!(survey["decisions"][0]["decision"], "reopened_before_sending");
        assert_eq!(survey["invitations"][0]["state"], "cancelled");
    }

    async fn the_email_speaks_the_customers_language(app) {
        let token = app.token(Scope::Ingest).await;
        app.post_event(&token, &event("pt-1", "INC113", "closed", "2026-11-20T14:03:00Z")).await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let message = parse_message(&mail[0].data).unwrap();
        assert!(message.text.unwrap().starts_with("Olá, Ana"));
        let page = app.client.get(smiley_link(&parse_message(&mail[0].data).unwrap().text.unwrap(), 5)).send().await.unwrap();
        assert!(page.text().await.unwrap().contains("lang=\"pt\""));
    }

    async fn a_customer_surveyed_recently_is_not_asked_again(app) {
        let token = app.token(Scope::Ingest).await;
        close_ticket(&app, &token, "INC103", "dee@example.com").await;
        let second = close_ticket(&app, &token, "INC104", "dee@example.com").await;
        let survey = survey_of(&app, second).await;
        assert_eq!(survey["decision"]["decision"], "cool_down");
        assert!(survey["decision"]["reason"].as_str().unwrap().contains("30 days"));
    }

    async fn excluded_addresses_and_customers_without_email_are_not_asked(app) {
        let admin = app.token(Scope::Admin).await;
        let (_, policies) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let id = policies["policies"][0]["id"].as_i64().unwrap();
        let update = app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin)
            .json(&json!({"exclude_email_patterns": ["*@desk.example"]})).send().await.unwrap();
        assert_eq!(update.status(), 200);
        let token = app.token(Scope::Ingest).await;
        let staff = close_ticket(&app, &token, "INC105", "eve@desk.example").await;
        assert_eq!(survey_of(&app, staff).await["decision"]["decision"], "excluded");
        let mut anonymous = event("anon", "INC106", "closed", "2026-11-20T14:03:00Z");
        anonymous["ticket"].as_object_mut().unwrap().remove("requester");
        let answer: Value = app.post_event(&token, &anonymous).await.json().await.unwrap();
        assert_eq!(survey_of(&app, answer["ticket_id"].as_i64().unwrap()).await["decision"]["decision"], "no_email");
    }

    async fn opting_out_stops_reminders_and_future_surveys(app) {
        let token = app.token(Scope::Ingest).await;
        close_ticket(&app, &token, "INC107", "fay@example.com").await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let message = parse_message(&mail[0].data).unwrap();
        let unsubscribe = message.header("List-Unsubscribe").unwrap().trim_matches(['<', '>']).to_string();
        // RFC 8058: the mail client posts this body to the URL, with no other step.
        let done = app.client.post(&unsubscribe).header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click").send().await.unwrap();
        assert_eq!(done.status(), 200);
        assert_eq!(app.after_minutes(4 * 24 * 60).await.delivered, 0, "no reminder after opting out");
        app.clock.advance(40 * 24 * 3_600_000);
        let later = close_ticket(&app, &token, "INC108", "fay@example.com").await;
        assert_eq!(survey_of(&app, later).await["decision"]["decision"], "opted_out");
    }

    async fn a_hundred_concurrent_answers_with_one_token_leave_one_response(app) {
        let token = app.token(Scope::Ingest).await;
        close_ticket(&app, &token, "INC109", "gus@example.com").await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let link = smiley_link(&parse_message(&mail[0].data).unwrap().text.unwrap(), 3);
        let post = link.split('?').next().unwrap().to_string();
        app.clock.advance(120_000);
        let sends = (0..100).map(|n| {
            let score = (n % 5 + 1).to_string();
            app.client.post(&post).header("accept", "application/json").form(&[("score", score)]).send()
        });
        for response in futures::future::join_all(sends).await {
            assert_eq!(response.unwrap().status(), 200);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM response_changes").await, 100);
        assert_eq!(app.count("SELECT automated FROM responses").await, 1, "five faces in a burst look automated");
    }

    async fn an_answer_within_seconds_of_sending_is_flagged_and_a_later_one_is_not(app) {
        let token = app.token(Scope::Ingest).await;
        close_ticket(&app, &token, "INC110", "hal@example.com").await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let post = smiley_link(&parse_message(&mail[0].data).unwrap().text.unwrap(), 1).split('?').next().unwrap().to_string();
        app.clock.advance(2_000);
        let json = |score: &'static str| app.client.post(&post).header("accept", "application/json").form(&[("score", score)]).send();
        assert_eq!(json("1").await.unwrap().status(), 200);
        assert_eq!(app.count("SELECT automated FROM responses").await, 1);
        app.clock.advance(3_600_000);
        assert_eq!(json("2").await.unwrap().status(), 200);
        assert_eq!(app.count("SELECT automated FROM responses").await, 0);
    }

    async fn the_answer_can_change_within_its_window_and_not_after(app) {
        let token = app.token(Scope::Ingest).await;
        let ticket = close_ticket(&app, &token, "INC111", "ida@example.com").await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let post = smiley_link(&parse_message(&mail[0].data).unwrap().text.unwrap(), 2).split('?').next().unwrap().to_string();
        app.clock.advance(60_000);
        app.client.post(&post).form(&[("score", "2")]).send().await.unwrap();
        app.clock.advance(3_600_000);
        let changed = app.client.post(&post).form(&[("score", "4"), ("comment", "Fixed after all")]).send().await.unwrap();
        assert_eq!(changed.status(), 200);
        app.clock.advance(25 * 3_600_000);
        let late = app.client.post(&post).form(&[("score", "1")]).send().await.unwrap();
        assert!(late.text().await.unwrap().contains("can no longer be changed"));
        let response = survey_of(&app, ticket).await["invitations"][0]["response"].clone();
        assert_eq!((response["csat"].as_i64(), response["comment"].as_str()), (Some(4), Some("Fixed after all")));
    }

    async fn bad_answers_get_clear_messages_and_html_is_kept_as_text(app) {
        let token = app.token(Scope::Ingest).await;
        let ticket = close_ticket(&app, &token, "INC112", "jo@example.com").await;
        app.after_minutes(61).await;
        let mail = app.smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
        let post = smiley_link(&parse_message(&mail[0].data).unwrap().text.unwrap(), 2).split('?').next().unwrap().to_string();
        app.clock.advance(60_000);
        let long = "x".repeat(5_001);
        let too_long = app.client.post(&post).form(&[("score", "2"), ("comment", long.as_str())]).send().await.unwrap();
        assert_eq!(too_long.status(), 422);
        assert!(too_long.text().await.unwrap().contains("5,000"));
        let no_score = app.client.post(&post).form(&[("comment", "hello")]).send().await.unwrap();
        assert_eq!(no_score.status(), 422);
        let script = "<script>alert(1)</script>";
        app.client.post(&post).form(&[("score", "2"), ("comment", script)]).send().await.unwrap();
        let response = survey_of(&app, ticket).await["invitations"][0]["response"].clone();
        assert_eq!(response["comment"], script, "stored as text");
        let page = app.client.get(&post).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains(script), "escaped when shown");
        assert!(page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"), "shown as text");
    }
}
