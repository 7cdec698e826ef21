//! Closing the loop end to end, on a controllable clock: an unhappy answer opens a
//! recovery case after the grace window, with its owner and due times in business hours
//! (across a weekend and a daylight-saving change), the customer's acknowledgement over
//! real SMTP, Slack and Teams posts received by a real HTTP server, one escalation when
//! late, and the recovery survey after closing. A happy answer leads to a check-in, and
//! "I need help" to an alert. A worker stopped mid-post resends with the same key.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::followup::ClosedRecovery;
use rapport_domain::time::parse_instant;
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::followups;
use rapport_store::StaffRole;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// One request the receiver saw: its path, Idempotency-Key and JSON body.
#[derive(Debug, Clone)]
struct Post {
    path: String,
    key: String,
    body: Value,
}

/// A real HTTP server on loopback standing in for Slack and Teams. When `hold_first`, the
/// first request is read but answered only after `release` (the worker is stopped then).
#[derive(Clone)]
struct Receiver {
    url: String,
    posts: Arc<Mutex<Vec<Post>>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    async fn start(hold_first: bool) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let posts = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (seen, notify) = (posts.clone(), arrived.clone());
        tokio::spawn(async move {
            let mut first = hold_first;
            while let Ok((mut socket, _)) = listener.accept().await {
                let request = read_request(&mut socket).await;
                seen.lock().unwrap().push(request);
                notify.notify_one();
                if std::mem::take(&mut first) {
                    // Never answered: the worker is stopped while it waits.
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        drop(socket);
                    });
                    continue;
                }
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
            }
        });
        Receiver { url, posts, arrived }
    }

    fn posts(&self, path: &str) -> Vec<Post> {
        self.posts.lock().unwrap().iter().filter(|p| p.path == path).cloned().collect()
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Post {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = socket.read(&mut buf).await.unwrap();
                data.extend_from_slice(&buf[..n]);
            }
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
                    })
                    .unwrap_or_default()
                    .to_string()
            };
            let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
            let body = serde_json::from_slice(&data[end + 4..end + 4 + length]).unwrap_or(Value::Null);
            return Post { path, key: header("idempotency-key"), body };
        }
    }
}

/// Moves the test clock to `at` (RFC 3339).
fn set_clock(app: &TestApp, at: &str) {
    let target = parse_instant(at).unwrap();
    app.clock.advance(target - app.clock.now());
}

/// A Lisbon desk (09:00–17:00, Monday to Friday), alerts to the receiver, a team lead.
async fn desk(app: &TestApp, receiver: &Receiver) {
    let admin = app.token(Scope::Admin).await;
    let settings = json!({"alert_slack_url": format!("{}/slack", receiver.url),
        "alert_teams_url": format!("{}/teams", receiver.url), "alert_allowed_hosts": ["127.0.0.1"]});
    let saved = app.client.put(app.url("/api/v1/settings")).bearer_auth(&admin).json(&settings).send().await.unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    app.store.set_setting("time_zone", "Europe/Lisbon".into()).await.unwrap();
}

/// Closes a ticket of Tom's (team Desktop Support) for `customer`, delivers the survey and
/// answers it with `score` and a comment; answers the ticket's id.
async fn answered(app: &TestApp, external_id: &str, customer: &str, score: &str) -> i64 {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("close-{external_id}"), external_id, "closed", "2025-11-20T14:03:00Z");
    body["ticket"]["requester"]["email"] = customer.into();
    body["ticket"]["requester"]["language"] = "en".into();
    let ticket: Value = app.post_event(&token, &body).await.json().await.unwrap();
    if app.staff_ids("lead@desk.example").await.is_none() {
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;
    }
    let before = app.smtp.messages().len();
    app.after_minutes(61).await;
    let mail = app.smtp.wait_for(before + 1, Duration::from_secs(5)).await;
    let text = parse_message(&mail[before].data).unwrap().text.unwrap();
    let link = text.split_whitespace().find(|w| w.contains("?score=")).unwrap().split('?').next().unwrap().to_string();
    app.clock.advance(60_000);
    let saved = app.client.post(link).form(&[("score", score), ("comment", "Still jams every morning")]).send().await;
    assert_eq!(saved.unwrap().status(), 200);
    ticket["ticket_id"].as_i64().unwrap()
}

async fn only_follow_up(app: &TestApp) -> followups::FollowUp {
    let id: i64 = app.count("SELECT MAX(id) FROM follow_ups WHERE state <> 'cancelled'").await;
    app.store.read(move |conn| followups::follow_up(conn, id)).await.unwrap().unwrap()
}

fn emails_to(app: &TestApp, to: &str) -> Vec<rapport_mail::ParsedMessage> {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to))
        .map(|m| parse_message(&m.data).unwrap())
        .collect()
}

impl TestApp {
    async fn staff_ids(&self, email: &'static str) -> Option<i64> {
        let id: Option<i64> = self
            .store
            .read(move |conn| {
                conn.value("SELECT MIN(id) FROM staff_users WHERE email = $1", rapport_store::params![email])
            })
            .await
            .unwrap();
        id
    }
}

on_both_databases! {
    async fn an_unhappy_answer_opens_a_recovery_case_in_business_hours_alerts_escalates_once_and_asks_afterwards(app) {
        let receiver = Receiver::start(false).await;
        desk(&app, &receiver).await;
        // Friday 27 March 2026, 14:00 in Lisbon (WET, UTC+0); summer time starts on Sunday.
        set_clock(&app, "2026-03-27T14:00:00Z");
        answered(&app, "INC6001", "ana@example.com", "1").await;
        assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE state = 'pending'").await, 1, "grace window");
        assert!(receiver.posts("/slack").is_empty(), "nothing before the grace window ends");

        set_clock(&app, "2026-03-27T16:00:00Z");
        app.run_worker().await;
        let case = only_follow_up(&app).await;
        assert_eq!((case.kind.as_str(), case.state.as_str()), ("recovery", "open"));
        assert_eq!(case.owner_email.as_deref(), Some("lead@desk.example"), "the team lead owns it");
        // 4 business hours from Friday 16:00: Monday 12:00 local = 11:00Z (summer time).
        assert_eq!(case.first_contact_due, parse_instant("2026-03-30T11:00:00Z"));
        // 2 business days: Tuesday 16:00 local = 15:00Z.
        assert_eq!(case.due_at, parse_instant("2026-03-31T15:00:00Z"));

        let ack = emails_to(&app, "ana@example.com");
        let ack = ack.last().unwrap();
        assert!(ack.header("Subject").unwrap().contains("INC6001"));
        let text = ack.text.clone().unwrap();
        assert!(text.contains("lead will contact you by Mon 2026-03-30 12:00 WEST"), "{text}");
        let alert = emails_to(&app, "lead@desk.example");
        assert_eq!(alert.len(), 1);
        assert!(alert[0].text.as_deref().unwrap().contains("Still jams every morning"));
        let slack = receiver.posts("/slack");
        assert_eq!(slack.len(), 1);
        assert!(slack[0].body["text"].as_str().unwrap().contains("INC6001"));
        assert!(slack[0].body["blocks"].to_string().contains(&format!("/follow-ups/{}", case.id)));
        assert_eq!(slack[0].key, format!("follow-up:{}:recovery:slack", case.id));
        let teams = receiver.posts("/teams");
        assert_eq!(teams[0].body["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
        assert!(teams[0].body.to_string().contains("Action.OpenUrl"));

        // Nobody makes contact: at Monday 12:00 the case escalates to the managers, once.
        set_clock(&app, "2026-03-30T11:00:00Z");
        app.run_worker().await;
        let escalated = only_follow_up(&app).await;
        assert!(escalated.escalated_at.is_some());
        assert_eq!(receiver.posts("/slack").len(), 2);
        assert!(receiver.posts("/slack")[1].body["text"].as_str().unwrap().contains("Overdue"));
        set_clock(&app, "2026-03-31T15:00:00Z");
        app.run_worker().await;
        assert_eq!(receiver.posts("/slack").len(), 2, "escalated once only");
        // The managers' morning digest (08:00 in Lisbon) lists the overdue case.
        let digest = emails_to(&app, "lead@desk.example");
        let digest = digest.iter().find(|m| m.header("Subject").unwrap() == "Overdue recovery cases (2026-03-31)");
        assert!(digest.expect("a digest on Tuesday").text.as_deref().unwrap().contains("INC6001"));

        // Closed with a root cause: the customer is asked how we handled it.
        let closed = ClosedRecovery { root_cause: "Worn drum".into(), service_gap: "Fix did not last".into(), resolved: true };
        let (id, now) = (case.id, app.clock.now());
        app.store.write(move |conn| followups::close_recovery(conn, id, &closed, "lead@desk.example", now)).await.unwrap();
        app.run_worker().await;
        let survey = emails_to(&app, "ana@example.com");
        let text = survey.last().unwrap().text.clone().unwrap();
        assert!(text.contains("How well did we handle your concern"), "{text}");
        let link = text.split_whitespace().find(|w| w.ends_with("?score=4")).unwrap().to_string();
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(only_follow_up(&app).await.recovery_score.is_none(), "opening records nothing");
        let post = link.split('?').next().unwrap();
        assert_eq!(app.client.post(post).form(&[("score", "4")]).send().await.unwrap().status(), 200);
        assert_eq!(only_follow_up(&app).await.recovery_score, Some(4));
    }

    async fn a_happy_answer_gets_a_check_in_two_business_days_later_and_i_need_help_alerts_the_agent(app) {
        let receiver = Receiver::start(false).await;
        desk(&app, &receiver).await;
        let admin = app.token(Scope::Admin).await;
        let (_, policies) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let id = policies["policies"][0]["id"].as_i64().unwrap();
        let change = json!({"follow_up": {"checkins_automatic": true}});
        let saved = app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin)
            .json(&change).send().await.unwrap();
        assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());

        // Thursday 26 March 2026, 10:00 Lisbon.
        set_clock(&app, "2026-03-26T09:00:00Z");
        answered(&app, "INC6002", "ben@example.com", "5").await;
        app.after_minutes(6).await;
        let check_in = only_follow_up(&app).await;
        assert_eq!((check_in.kind.as_str(), check_in.state.as_str()), ("check_in", "open"));
        assert_eq!(check_in.owner_email.as_deref(), Some("tom@desk.example"), "the agent owns it");
        // Answered Thursday 10:02 (UTC+0); two business days later: Monday 10:02 summer time, 09:02Z.
        assert_eq!(check_in.due_at, parse_instant("2026-03-30T09:02:00Z"));
        assert!(emails_to(&app, "ben@example.com").iter().all(|m| !m.header("Subject").unwrap().contains("Checking in")));

        set_clock(&app, "2026-03-30T09:02:00Z");
        app.run_worker().await;
        let mail = emails_to(&app, "ben@example.com");
        let check = mail.iter().find(|m| m.header("Subject").unwrap().contains("Checking in")).expect("the check-in");
        let text = check.text.clone().unwrap();
        assert!(text.contains("Hi Ana") && text.contains("All good") && text.contains("I need help"), "{text}");
        let help = text.split_whitespace().find(|w| w.ends_with("?reply=need_help")).unwrap().to_string();
        assert_eq!(app.client.get(&help).send().await.unwrap().status(), 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE kind = 'help_request'").await, 0, "a GET records nothing");
        let post = help.split('?').next().unwrap();
        let pressed = app.client.post(post).form(&[("reply", "need_help")]).send().await.unwrap();
        assert_eq!(pressed.status(), 200);
        assert!(pressed.text().await.unwrap().contains("we will be in touch"));
        app.client.post(post).form(&[("reply", "need_help")]).send().await.unwrap();
        assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE kind = 'help_request' AND state = 'open'").await, 1);
        app.run_worker().await;
        let alert = emails_to(&app, "tom@desk.example");
        assert!(alert.iter().any(|m| m.header("Subject").unwrap().contains("asks for help")), "the agent is alerted");
        assert!(receiver.posts("/slack").iter().any(|p| p.body["text"].as_str().unwrap().contains("asks for help")));
    }

    async fn a_corrected_misclick_changes_the_follow_up_and_never_doubles_it(app) {
        let receiver = Receiver::start(false).await;
        desk(&app, &receiver).await;
        answered(&app, "INC6003", "cy@example.com", "1").await;
        // Within the grace window the customer corrects 1 → 4 on the same link.
        let text = emails_to(&app, "cy@example.com")[0].text.clone().unwrap();
        let post = text.split_whitespace().find(|w| w.contains("?score=")).unwrap().split('?').next().unwrap().to_string();
        app.clock.advance(120_000);
        app.client.post(&post).form(&[("score", "4")]).send().await.unwrap();
        app.client.post(&post).form(&[("score", "4")]).send().await.unwrap();
        app.after_minutes(10).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE state IN ('pending', 'open', 'in_progress')").await, 1);
        assert_eq!(only_follow_up(&app).await.kind, "check_in");
        assert_eq!(app.count("SELECT COUNT(*) FROM follow_ups WHERE kind = 'recovery' AND state = 'cancelled'").await, 1);
        assert!(receiver.posts("/slack").is_empty(), "no recovery alert for a corrected misclick");
    }
}

/// The acknowledgement is the desk's own text when the policy has one.
#[tokio::test]
async fn the_acknowledgement_uses_the_desks_own_template() {
    let app = TestApp::sqlite().await;
    let receiver = Receiver::start(false).await;
    desk(&app, &receiver).await;
    let admin = app.token(Scope::Admin).await;
    let (_, policies) = app.get_json(&admin, "/api/v1/survey-policies").await;
    let id = policies["policies"][0]["id"].as_i64().unwrap();
    let put = |template: &str| {
        let body = json!({"follow_up": {"acknowledgement": template}});
        app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin).json(&body).send()
    };
    let refused: Value = put("Hello {name}").await.unwrap().json().await.unwrap();
    assert_eq!(refused["error"]["fields"][0]["field"], "follow_up.acknowledgement", "{refused}");
    let saved =
        put("Dear {first_name},\n\nwe are sorry about {ticket}. {owner} will call you by {due}.").await.unwrap();
    assert_eq!(saved.status(), 200);
    answered(&app, "INC6005", "eve@example.com", "1").await;
    app.after_minutes(6).await;
    let text = emails_to(&app, "eve@example.com").last().unwrap().text.clone().unwrap();
    assert!(text.contains("Dear Ana,") && text.contains("we are sorry about INC6005. lead will call you by"), "{text}");
}

/// A worker stopped after posting and before marking the post sent: the next worker posts
/// again with the same Idempotency-Key, so the receiver can tell it is the same alert.
#[tokio::test]
async fn a_restarted_worker_resends_an_alert_with_the_same_idempotency_key() {
    let app = TestApp::sqlite().await;
    let receiver = Receiver::start(true).await;
    desk(&app, &receiver).await;
    let admin = app.token(Scope::Admin).await;
    let teams_off = json!({"alert_teams_url": ""});
    app.client.put(app.url("/api/v1/settings")).bearer_auth(&admin).json(&teams_off).send().await.unwrap();
    answered(&app, "INC6004", "dee@example.com", "2").await;
    app.clock.advance(6 * 60_000);

    let worker = app.worker.clone();
    let pass = tokio::spawn(async move { worker.run_once().await });
    tokio::time::timeout(Duration::from_secs(10), receiver.arrived.notified()).await.expect("the alert was posted");
    pass.abort();
    let _ = pass.await;
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'slack' AND state = 'pending'").await, 1);

    // A new worker, once the dead one's lease ran out.
    app.after_minutes(2).await;
    let posts = receiver.posts("/slack");
    assert_eq!(posts.len(), 2, "posted again after the restart");
    assert_eq!(posts[0].key, posts[1].key, "with the same idempotency key");
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'slack' AND state = 'sent'").await, 1);
}
