//! Desk visits end to end: recorded through the API and the phone form, the visit card
//! by email over real SMTP, the ticket status page, the visit survey, and bad input.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use serde_json::{json, Value};
use std::time::Duration;

/// An open ticket of Tom's for Ana (English); answers its id.
async fn open_ticket(app: &TestApp, external_id: &str) -> i64 {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("open-{external_id}"), external_id, "open", "2025-11-19T09:00:00Z");
    body["ticket"]["requester"]["language"] = "en".into();
    let answer: Value = app.post_event(&token, &body).await.json().await.unwrap();
    answer["ticket_id"].as_i64().unwrap()
}

fn visit(visit_id: &str, external_id: &str) -> Value {
    json!({
        "visit_id": visit_id,
        "ticket": {"external_id": external_id},
        "technician": {"email": "tom@desk.example", "name": "Tom Berg"},
        "status": "waiting_for_parts",
        "note": "The drum is worn; a new one is ordered.",
        "next_step": "Swap the drum when it arrives",
        "customer_away": true
    })
}

async fn post_visit(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app.client.post(app.url("/api/v1/visits")).bearer_auth(token).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// The first link in `text` that contains `marker`.
fn link_with(text: &str, marker: &str) -> String {
    text.split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("no {marker} link in {text}")).into()
}

on_both_databases! {
    async fn a_visit_sends_the_visit_card_with_a_status_page_and_a_one_question_survey(app) {
        let ticket = open_ticket(&app, "INC7001").await;
        let token = app.token(Scope::Ingest).await;
        let (status, body) = post_visit(&app, &token, &visit("v-1", "INC7001")).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["survey"]["decision"], "invited", "{body}");
        assert_eq!(body["duplicate"], false);
        let (again, repeat) = post_visit(&app, &token, &visit("v-1", "INC7001")).await;
        assert_eq!((again, &repeat["id"], &repeat["duplicate"]), (200, &body["id"], &json!(true)));
        assert_eq!(app.count("SELECT COUNT(*) FROM visits").await, 1, "a retried visit is recorded once");

        assert_eq!(app.run_worker().await.delivered, 1, "the visit card goes at once");
        let mail = app.smtp.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(mail[0].to, ["ana@example.com"]);
        let message = parse_message(&mail[0].data).unwrap();
        assert!(message.header("Subject").unwrap().contains("INC7001"));
        let text = message.text.clone().unwrap();
        for expected in ["Hi Ana,", "Tom visited your desk at", "You were away", "Status: Waiting for parts",
                         "Next step: Swap the drum when it arrives", "— Tom"] {
            assert!(text.contains(expected), "{expected:?} missing from {text}");
        }
        assert!(!text.contains("Berg"), "the card signs with the first name only");

        // The status page: no login, what the customer may see.
        let status_link = link_with(&text, "/t/");
        let page = app.client.get(&status_link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        for expected in ["INC7001", "Printer on floor 3 jams", "Open", "Waiting for parts", "Swap the drum", "Tom"] {
            assert!(html.contains(expected), "{expected:?} missing from the status page");
        }
        assert!(!html.contains("Berg") && !html.contains("tom@desk.example"));

        // The visit survey: its own question, one answer, channel "visit card".
        let face = link_with(&text, "?score=4");
        let survey = app.client.get(&face).send().await.unwrap().text().await.unwrap();
        assert!(survey.contains("How was our visit to your desk?"), "{survey}");
        assert!(!survey.contains("recommend"), "one question only");
        assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0, "opening the link records nothing");
        app.clock.advance(60_000);
        let post = face.split('?').next().unwrap();
        let saved = app.client.post(post).form(&[("score", "4"), ("comment", "Nice note")]).send().await.unwrap();
        assert_eq!(saved.status(), 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM responses WHERE channel = 'visit_card' AND csat = 4").await, 1);
        let agent: i64 = app.count("SELECT COUNT(*) FROM responses r JOIN agents a ON a.id = r.agent_id
                                    WHERE a.email = 'tom@desk.example'").await;
        assert_eq!(agent, 1, "the answer counts for the technician who visited");

        // The visit is in the ticket's history, through the API.
        let read = app.token(Scope::Read).await;
        let (status, visits) = app.get_json(&read, &format!("/api/v1/tickets/{ticket}/visits")).await;
        assert_eq!(status, 200);
        assert_eq!(visits["visits"][0]["status"], "waiting_for_parts");
        assert_eq!(visits["visits"][0]["customer_away"], true);
    }

    async fn the_desk_cool_down_applies_to_visit_surveys_unless_the_policy_exempts_visits(app) {
        let token = app.token(Scope::Ingest).await;
        let mut closed = event("close-INC7100", "INC7100", "closed", "2026-11-20T14:03:00Z");
        closed["ticket"]["requester"]["language"] = "en".into();
        app.post_event(&token, &closed).await;
        open_ticket(&app, "INC7101").await;
        let (_, first) = post_visit(&app, &token, &visit("v-cool", "INC7101")).await;
        assert_eq!(first["survey"]["decision"], "cool_down", "{first}");
        assert!(first["survey"]["invitation_id"].is_null());

        let admin = app.token(Scope::Admin).await;
        let (_, policies) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let mut policy = policies["policies"][0].clone();
        policy["visits_exempt_from_cooldown"] = true.into();
        let id = policy["id"].as_i64().unwrap();
        let fields = policy.as_object_mut().unwrap();
        fields.remove("id");
        fields.remove("is_default");
        let saved = app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin)
            .json(&policy).send().await.unwrap();
        assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
        let (_, second) = post_visit(&app, &token, &visit("v-exempt", "INC7101")).await;
        assert_eq!(second["survey"]["decision"], "invited", "{second}");
    }

    async fn bad_visits_are_refused_with_their_fields_and_nothing_is_written(app) {
        open_ticket(&app, "INC7200").await;
        let token = app.token(Scope::Ingest).await;
        let (status, body) = post_visit(&app, &token, &visit("v-x", "NO-SUCH")).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["fields"][0]["field"], "ticket.external_id");

        let mut empty = visit("v-y", "INC7200");
        empty["status"] = "".into();
        empty["note"] = "x".repeat(501).into();
        let (status, body) = post_visit(&app, &token, &empty).await;
        assert_eq!(status, 422);
        let fields: Vec<&str> = body["error"]["fields"].as_array().unwrap().iter()
            .map(|f| f["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"status") && fields.contains(&"note"), "{fields:?}");

        let broken = app.client.post(app.url("/api/v1/visits")).bearer_auth(&token)
            .header("content-type", "application/json").body("{\"visit_id\":").send().await.unwrap();
        assert_eq!(broken.status(), 400);
        let read = app.token(Scope::Read).await;
        let (status, _) = post_visit(&app, &read, &visit("v-z", "INC7200")).await;
        assert_eq!(status, 403, "recording a visit needs the ingest scope");
        assert_eq!(app.count("SELECT COUNT(*) FROM visits").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_visit_card'").await, 0);
    }

    async fn a_status_page_closes_a_while_after_the_ticket_and_unknown_links_are_not_found(app) {
        open_ticket(&app, "INC7300").await;
        let token = app.token(Scope::Ingest).await;
        post_visit(&app, &token, &visit("v-s", "INC7300")).await;
        app.run_worker().await;
        let mail = app.smtp.wait_for(1, Duration::from_secs(5)).await;
        let text = parse_message(&mail[0].data).unwrap().text.unwrap();
        let status_link = link_with(&text, "/t/");

        let mut closed = event("close-INC7300", "INC7300", "closed", "2025-11-20T13:00:00Z");
        closed["ticket"]["closed_at"] = "2025-11-20T13:00:00Z".into();
        closed["ticket"]["requester"]["language"] = "en".into();
        app.post_event(&token, &closed).await;
        let html = app.client.get(&status_link).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Closed"), "the page shows the closing for a while: {html}");

        app.clock.advance(15 * 24 * 3_600_000);
        let gone = app.client.get(&status_link).send().await.unwrap();
        assert_eq!(gone.status(), 410);
        let html = gone.text().await.unwrap();
        assert!(html.contains("no longer available") && html.contains("INC7300"), "{html}");
        assert!(!html.contains("Waiting for parts"));

        // The desk may keep pages up longer (1–365 days).
        let admin = app.token(Scope::Admin).await;
        let set = |days: i64| app.client.put(app.url("/api/v1/settings")).bearer_auth(&admin)
            .json(&json!({"status_page_days": days})).send();
        assert_eq!(set(0).await.unwrap().status(), 422);
        assert_eq!(set(30).await.unwrap().status(), 200);
        assert_eq!(app.client.get(&status_link).send().await.unwrap().status(), 200);

        let unknown = app.client.get(app.url("/t/0123456789abcdef0123456789abcdef")).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
    }

    async fn a_technician_records_a_visit_on_the_phone_form_once_and_managers_see_their_teams_visits(app) {
        open_ticket(&app, "INC7400").await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;
        app.staff_user(StaffRole::Agent, "eve@desk.example", &[]).await;
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
        let tom = app.signed_in("tom@desk.example").await;

        let (status, html) = tom.text("/visits/new?q=INC7400").await;
        assert_eq!(status, 200);
        assert!(html.contains("INC7400") && html.contains("checked"), "one match is preselected");
        let csrf = tom.csrf("/visits/new?q=INC7400").await;
        let at = html.find("name=\"request_key\" value=\"").unwrap() + 26;
        let key = html[at..at + 32].to_string();
        let ticket_id = html.split("name=\"ticket_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let form = [("csrf", csrf.as_str()), ("request_key", key.as_str()), ("ticket_id", ticket_id.as_str()),
                    ("status", "fixed"), ("next_step", "Nothing: it works"), ("customer_away", "1"), ("note", "")];
        let recorded = tom.post_form("/visits", &form).await;
        assert_eq!(recorded.status(), 303);
        let location = recorded.headers()["location"].to_str().unwrap().to_string();
        let twice = tom.post_form("/visits", &form).await;
        assert_eq!(twice.headers()["location"].to_str().unwrap(), location, "a double tap records one visit");
        assert_eq!(app.count("SELECT COUNT(*) FROM visits").await, 1);
        let (_, page) = tom.text(&location).await;
        assert!(page.contains("Visit recorded") && page.contains("Fixed"));

        // Bad input on the form: explained, nothing written.
        let empty = [("csrf", csrf.as_str()), ("request_key", "00000000000000000000000000000000"),
                     ("ticket_id", ticket_id.as_str()), ("status", ""), ("note", "")];
        let refused = tom.post_form("/visits", &empty).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Choose the status of the problem."));
        let forged = tom.post_form("/visits", &[("csrf", "forged"), ("ticket_id", ticket_id.as_str()), ("status", "fixed")]).await;
        assert_eq!(forged.status(), 403);

        // Eve may not record a visit on Tom's ticket, nor see his visit.
        let eve = app.signed_in("eve@desk.example").await;
        let eve_csrf = eve.csrf("/visits/new").await;
        let theirs = [("csrf", eve_csrf.as_str()), ("request_key", "11111111111111111111111111111111"),
                      ("ticket_id", ticket_id.as_str()), ("status", "fixed")];
        assert_eq!(eve.post_form("/visits", &theirs).await.status(), 422);
        assert_eq!(eve.get(&location).await.status(), 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM visits").await, 1);

        let lead = app.signed_in("lead@desk.example").await;
        let day = "2025-11-20";
        let (_, list) = lead.text(&format!("/visits?day={day}")).await;
        assert!(list.contains("INC7400") && list.contains("Fixed"), "the manager sees the team's visit");
        let (_, eves) = eve.text(&format!("/visits?day={day}")).await;
        assert!(!eves.contains("INC7400"));
    }
}
