//! The staff pages of "closing the loop": an unhappy answer becomes a recovery case its
//! owner works step by step and closes with a root cause; a happy one becomes a check-in
//! the agent edits and sends; "I need help" becomes a help request marked done.

use crate::on_both_databases;
use crate::support::{event, StaffClient, TestApp};
use rapport_domain::followup::RecoveryStep;
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::time::Duration;

/// Closes Tom's ticket `external_id` for Ana; the survey email goes after the delay and
/// Ana answers `score` a minute after it arrives. Answers the survey email's text.
async fn answered(app: &TestApp, external_id: &str, score: &str, comment: &str) {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("close-{external_id}"), external_id, "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["requester"]["language"] = "en".into();
    assert_eq!(app.post_event(&token, &body).await.status(), 200);
    assert_eq!(app.after_minutes(61).await.delivered, 1, "the survey email goes");
    let mail = app.smtp.wait_for(1, Duration::from_secs(5)).await;
    let text = parse_message(&mail[0].data).unwrap().text.unwrap();
    let link = link_with(&text, &format!("?score={score}"));
    app.clock.advance(60_000);
    let post = link.split('?').next().unwrap();
    let saved = app.client.post(post).form(&[("score", score), ("comment", comment)]).send().await.unwrap();
    assert_eq!(saved.status(), 200);
}

fn link_with(text: &str, marker: &str) -> String {
    text.split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("no {marker} link in {text}")).into()
}

/// The id of the first follow-up linked from a page.
fn first_case(html: &str) -> i64 {
    let at = html.find("href=\"/follow-ups/").expect("a follow-up link") + 18;
    html[at..].split('"').next().unwrap().parse().expect("a follow-up id")
}

fn links_to(html: &str, id: i64) -> bool {
    html.contains(&format!("href=\"/follow-ups/{id}\""))
}

async fn post(browser: &StaffClient, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let response = browser.post_form(path, form).await;
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn state_of(app: &TestApp, id: i64) -> String {
    app.store
        .read(move |conn| conn.value("SELECT state FROM follow_ups WHERE id = $1", rapport_store::params![id]))
        .await
        .unwrap()
}

on_both_databases! {
    async fn a_team_lead_works_a_recovery_case_step_by_step_and_closes_it_with_a_root_cause(app) {
        answered(&app, "INC8001", "1", "Still broken").await;
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
        app.staff_user(StaffRole::Agent, "eve@desk.example", &[]).await;
        let (_, before) = app.signed_in("lead@desk.example").await.text("/follow-ups").await;
        assert!(!before.contains("Ana Silva"), "nothing shows in the grace window: {before}");
        app.after_minutes(6).await;

        let lead = app.signed_in("lead@desk.example").await;
        let (status, mine) = lead.text("/follow-ups").await;
        assert_eq!(status, 200);
        for expected in ["Ana Silva", "INC8001", "Printer on floor 3 jams", "Recovery", "1/5", "lead@desk.example",
                         "Open", "Follow-ups (1)"] {
            assert!(mine.contains(expected), "{expected:?} missing from the queue: {mine}");
        }
        let id = first_case(&mine);
        let (_, team) = lead.text("/follow-ups?queue=team").await;
        assert!(links_to(&team, id), "the team queue lists it too");
        let (_, overdue) = lead.text("/follow-ups?queue=overdue").await;
        assert!(!links_to(&overdue, id), "not overdue yet");

        let case = format!("/follow-ups/{id}");
        let (status, html) = lead.text(&case).await;
        assert_eq!(status, 200);
        for expected in ["Still broken", "ana@example.com", "href=\"/tickets/", "First contact due",
                         "Close the case", "Was the customer's problem resolved?", "Fix did not last"] {
            assert!(html.contains(expected), "{expected:?} missing from the case page");
        }
        for step in RecoveryStep::ALL {
            assert!(html.contains(step.title()), "step {:?} is listed", step.title());
        }

        // Someone who may not see the case is told it does not exist, reading or posting.
        let eve = app.signed_in("eve@desk.example").await;
        assert_eq!(eve.get(&case).await.status(), 404);
        let eve_csrf = eve.csrf("/follow-ups").await;
        let (status, _, _) = post(&eve, &format!("{case}/steps"),
            &[("csrf", &eve_csrf), ("step", "acknowledge"), ("note", "")]).await;
        assert_eq!(status, 404);
        let (status, _, _) = post(&eve, &format!("{case}/close"),
            &[("csrf", &eve_csrf), ("root_cause", "x"), ("service_gap", "Other"), ("resolved", "no")]).await;
        assert_eq!(status, 404);
        let (_, eve_team) = eve.text("/follow-ups?queue=team").await;
        assert!(!links_to(&eve_team, id));

        // A forged form token is refused.
        let (status, _, _) = post(&lead, &format!("{case}/steps"),
            &[("csrf", "forged"), ("step", "acknowledge"), ("note", "")]).await;
        assert_eq!(status, 403);
        let csrf = lead.csrf(&case).await;
        let (status, _, html) = post(&lead, &format!("{case}/steps"),
            &[("csrf", &csrf), ("step", "dance"), ("note", "")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Choose one of the recovery steps."), "{html}");

        // Every step ticked shows as done, with its note.
        for (i, step) in RecoveryStep::ALL.iter().enumerate() {
            app.clock.advance(60_000);
            let note = format!("Note on {} <b>", step.as_str());
            let (status, location, _) = post(&lead, &format!("{case}/steps"),
                &[("csrf", &csrf), ("step", step.as_str()), ("note", &note)]).await;
            assert_eq!((status, location.as_str()), (303, format!("{case}?saved=step").as_str()));
            let (_, html) = lead.text(&location).await;
            assert!(html.contains("Step done."));
            assert_eq!(html.matches("class=\"step step-done\"").count(), i + 1, "{html}");
            assert!(html.contains(&format!("Note on {} &#60;b&#62;", step.as_str())), "the note, escaped: {html}");
            assert!(!html.contains(&format!("value=\"{}\"", step.as_str())), "a done step has no form");
        }
        assert_eq!(state_of(&app, id).await, "in_progress");
        let (status, location, _) = post(&lead, &format!("{case}/notes"),
            &[("csrf", &csrf), ("note", "Called Ana, she is happy now.")]).await;
        assert_eq!(status, 303);
        assert!(lead.text(&location).await.1.contains("Called Ana, she is happy now."));
        let (status, _, html) = post(&lead, &format!("{case}/notes"), &[("csrf", &csrf), ("note", "  ")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Write the note first."));

        // Closing needs a root cause, a service gap and whether the problem was resolved.
        let (status, _, html) = post(&lead, &format!("{case}/close"),
            &[("csrf", &csrf), ("root_cause", " "), ("service_gap", ""), ("resolved", "")]).await;
        assert_eq!(status, 422);
        for expected in ["The root cause is required.", "The service gap is required.",
                         "problem was resolved is required."] {
            assert!(html.contains(expected), "{expected:?} missing: {html}");
        }
        let (status, _, html) = post(&lead, &format!("{case}/close"),
            &[("csrf", &csrf), ("root_cause", "Worn drum"), ("service_gap", "Made up"), ("resolved", "yes")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("The service gap must be one of the desk&#39;s service gaps."), "{html}");
        assert!(html.contains(">Worn drum</textarea>"), "what was typed is kept");
        assert_eq!(state_of(&app, id).await, "in_progress");

        let (status, location, _) = post(&lead, &format!("{case}/close"),
            &[("csrf", &csrf), ("root_cause", "Worn drum, swapped the wrong part first"),
              ("service_gap", "fix did not last"), ("resolved", "yes")]).await;
        assert_eq!((status, location.as_str()), (303, format!("{case}?saved=closed").as_str()));
        assert_eq!(state_of(&app, id).await, "done");
        let (_, html) = lead.text(&case).await;
        for expected in ["Done", "Worn drum, swapped the wrong part first", "Fix did not last", "Yes"] {
            assert!(html.contains(expected), "{expected:?} missing from the closed case");
        }
        assert!(!html.contains("action=\"/follow-ups/") && !html.contains("Close the case"), "no forms any more");
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_recovery_survey'").await, 1);

        // It leaves the queues for "closed"; a late form is told it changed.
        assert!(!links_to(&lead.text("/follow-ups").await.1, id));
        assert!(!links_to(&lead.text("/follow-ups?queue=team").await.1, id));
        let (_, closed) = lead.text("/follow-ups?queue=closed").await;
        assert!(links_to(&closed, id) && closed.contains("Done"), "{closed}");
        let (status, _, html) = post(&lead, &format!("{case}/steps"),
            &[("csrf", &csrf), ("step", "check_back"), ("note", "")]).await;
        assert_eq!(status, 409);
        assert!(html.contains("This follow-up is closed."), "{html}");
    }

    async fn an_agent_edits_and_sends_a_check_in_and_marks_a_help_request_done(app) {
        answered(&app, "INC8002", "5", "Fast and friendly").await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;
        app.after_minutes(6).await;

        let tom = app.signed_in("tom@desk.example").await;
        let (_, mine) = tom.text("/follow-ups").await;
        for expected in ["Ana Silva", "INC8002", "Check-in", "5/5"] {
            assert!(mine.contains(expected), "{expected:?} missing from the queue: {mine}");
        }
        let id = first_case(&mine);
        let case = format!("/follow-ups/{id}");
        let (_, html) = tom.text(&case).await;
        assert!(html.contains("Hi Ana, just checking that “Printer on floor 3 jams” is still sorted."), "{html}");
        assert!(html.contains("— Tom</textarea>") && html.contains("Send check-in"));
        assert!(!html.contains("Recovery steps"));

        let csrf = tom.csrf(&case).await;
        let (status, _, html) = post(&tom, &format!("{case}/check-in"), &[("csrf", &csrf), ("message", "")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Write the message to the customer."));
        let message = "Hi Ana, is the printer on floor 3 still behaving? — Tom";
        let (status, location, _) =
            post(&tom, &format!("{case}/check-in"), &[("csrf", &csrf), ("message", message)]).await;
        assert_eq!((status, location.as_str()), (303, format!("{case}?saved=sent").as_str()));
        assert_eq!(state_of(&app, id).await, "done");
        let (status, _, _) = post(&tom, &format!("{case}/check-in"), &[("csrf", &csrf), ("message", message)]).await;
        assert_eq!(status, 409, "sent once");

        app.run_worker().await;
        let mail = app.smtp.wait_for(2, Duration::from_secs(5)).await;
        let check_in = mail.iter().map(|m| parse_message(&m.data).unwrap())
            .find(|m| m.text.as_deref().is_some_and(|t| t.contains("reply=need_help")))
            .expect("the check-in email");
        assert_eq!(mail.iter().filter(|m| m.to == ["ana@example.com"]).count(), 2);
        let text = check_in.text.clone().unwrap();
        assert!(text.contains("is the printer on floor 3 still behaving?"), "{text}");
        assert!(text.contains("reply=all_good"), "{text}");
        let (_, html) = tom.text(&case).await;
        assert!(html.contains("Check-in sent") && !html.contains("Send check-in"));
        assert!(!links_to(&tom.text("/follow-ups").await.1, id));

        // Ana needs help after all: a help request for Tom, due at once.
        let help_link = link_with(&text, "reply=need_help");
        let reply = app.client.post(help_link.split('?').next().unwrap())
            .form(&[("reply", "need_help")]).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        app.clock.advance(60_000);
        let (_, mine) = tom.text("/follow-ups").await;
        assert!(mine.contains("Help request") && mine.contains("overdue"), "{mine}");
        let help = first_case(&mine);
        assert_ne!(help, id);
        let (_, html) = tom.text(&format!("/follow-ups/{help}")).await;
        assert!(html.contains("Mark done") && html.contains("I need help"), "{html}");
        let (status, location, _) = post(&tom, &format!("/follow-ups/{help}/done"),
            &[("csrf", &csrf), ("note", "Reseated the tray with Ana")]).await;
        assert_eq!((status, location), (303, format!("/follow-ups/{help}?saved=done")));
        assert_eq!(state_of(&app, help).await, "done");
        let (_, html) = tom.text(&format!("/follow-ups/{help}")).await;
        assert!(html.contains("Reseated the tray with Ana") && !html.contains("Mark done</button>"));
        let (status, _, _) = post(&tom, &format!("{case}/done"), &[("csrf", &csrf), ("note", "")]).await;
        assert_eq!(status, 409, "a check-in is not marked done this way");
    }
}
