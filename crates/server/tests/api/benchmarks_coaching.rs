//! Benchmarks: the desk against its target and its own past, teams against the rest of the
//! desk, cited reference points. Coaching: one person's trend beside their team, strengths
//! and areas from the reasons customers chose, praise quotes, recovery cases; only for the
//! person and those who lead them.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::time::from_millis;
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::time::Duration;

/// One answered survey: the ticket, whose it was, and what the customer said.
struct Answer<'a> {
    ticket: &'a str,
    agent: (&'a str, &'a str),
    team: &'a str,
    score: &'a str,
    comment: Option<&'a str>,
    reasons: &'a [&'a str],
}

impl<'a> Answer<'a> {
    fn new(ticket: &'a str, agent: (&'a str, &'a str), team: &'a str, score: &'a str) -> Self {
        Answer { ticket, agent, team, score, comment: None, reasons: &[] }
    }
}

/// Closes the ticket now (test clock), lets the survey go, and answers it a minute later.
async fn answer(app: &TestApp, a: Answer<'_>) {
    let token = app.token(Scope::Ingest).await;
    let now = from_millis(app.clock.now() - 60_000).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut body = event(&format!("close-{}", a.ticket), a.ticket, "closed", &now);
    body["ticket"]["assignee"]["email"] = a.agent.0.into();
    body["ticket"]["assignee"]["name"] = a.agent.1.into();
    body["ticket"]["team"] = a.team.into();
    body["ticket"]["requester"]["email"] = format!("{}@example.com", a.ticket.to_lowercase()).into();
    body["ticket"]["requester"]["language"] = "en".into();
    assert_eq!(app.post_event(&token, &body).await.status(), 200);
    let before = app.smtp.messages().len();
    app.after_minutes(61).await;
    let mut link = None;
    for count in before + 1..before + 8 {
        let mail = app.smtp.wait_for(count, Duration::from_secs(5)).await;
        link = mail[before..]
            .iter()
            .filter_map(|m| parse_message(&m.data).unwrap().text)
            .filter(|t| t.contains("?score="))
            .find_map(|t| {
                t.split_whitespace().find(|w| w.contains("?score=")).map(|w| w.split('?').next().unwrap().to_string())
            });
        if link.is_some() {
            break;
        }
    }
    let link = link.expect("the survey email");
    app.clock.advance(60_000);
    let mut form = vec![("score", a.score)];
    form.extend(a.comment.map(|c| ("comment", c)));
    form.extend(a.reasons.iter().map(|r| ("reasons", *r)));
    assert_eq!(app.client.post(link).form(&form).send().await.unwrap().status(), 200);
}

/// Moves the test clock to a moment (UTC, RFC 3339).
fn move_clock_to(app: &TestApp, at: &str) {
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis();
    assert!(at > app.clock.now(), "the clock only moves forward");
    app.clock.advance(at - app.clock.now());
}

async fn agent_id(app: &TestApp, email: &'static str) -> i64 {
    app.store
        .read(move |conn| conn.value("SELECT id FROM agents WHERE email = $1", rapport_store::params![email]))
        .await
        .unwrap()
}

const TOM: (&str, &str) = ("tom@desk.example", "Tom Berg");
const NIA: (&str, &str) = ("nia@desk.example", "Nia Moss");
const KIM: (&str, &str) = ("kim@desk.example", "Kim Lee");
const EVE: (&str, &str) = ("eve@desk.example", "Eve Stone");

on_both_databases! {
    async fn benchmarks_hold_the_desk_against_its_target_its_past_and_cited_references(app) {
        // A year ago (2025-11-20): Tom's customers, 2 of 4 happy.
        for (i, score) in ["5", "4", "2", "1"].iter().enumerate() {
            answer(&app, Answer::new(&format!("INC-A{i}"), TOM, "Desktop Support", score)).await;
        }
        // October 2026: Tom 4 of 4, Nia 1 of 2.
        move_clock_to(&app, "2026-10-15T09:00:00Z");
        for (i, score) in ["5", "5", "5", "4"].iter().enumerate() {
            answer(&app, Answer::new(&format!("INC-B{i}"), TOM, "Desktop Support", score)).await;
        }
        answer(&app, Answer::new("INC-N1", NIA, "Network", "5")).await;
        answer(&app, Answer::new("INC-N2", NIA, "Network", "1")).await;
        move_clock_to(&app, "2026-11-20T12:00:00Z");
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;

        let boss = app.signed_in("boss@desk.example").await;
        let (status, html) = boss.text("/insight/benchmarks").await;
        assert_eq!(status, 200);
        // The last full month is October 2026: 5 of 6, Wilson 44–97 %, nothing a year earlier.
        assert!(html.contains("Last full month (Oct 2026)") && html.contains("2026-10-01 – 2026-10-31"), "{html}");
        assert!(html.contains("83 %</span> <span class=\"muted\">(44–97 %)</span><br><span class=\"muted\">6 answers"), "{html}");
        assert!(html.contains("Oct 2025 a year earlier: – "), "{html}");
        assert!(html.contains("No comparison: no answers in the earlier period (n = 0 → 6)."), "{html}");
        // The last 13 weeks against the same weeks a year earlier (2 of 4): up, but not shown to be real.
        assert!(html.contains("50 % (15–85 %) · 4 answers"), "a year earlier, exactly: {html}");
        assert!(html.contains("Up 33.3 points from 50.0 % to 83.3 % (n = 4 → 6): too few answers to tell a real change from chance."), "{html}");
        assert!(html.contains("The 12 months before (2024-11-21 – 2025-11-20)"), "{html}");
        // The target (85 % by default) lies inside the interval.
        assert!(html.contains("Under the target of 85 %, but the 95 % interval includes it: not clearly below. Only 6 answers."), "{html}");
        assert!(html.contains("Target 85 %"), "the target line on the chart");
        assert!(html.contains("The same months a year earlier"), "last year's months on the chart");
        // Teams against the rest of the desk, with the significance in words.
        assert!(html.contains("Teams against the rest of the desk"));
        assert!(html.contains("50.0 points above the rest of the desk (100.0 % vs 50.0 % in the rest of the desk): too few answers to tell a real difference from chance."), "{html}");
        assert!(html.contains("50.0 points below the rest of the desk (50.0 % vs 100.0 % in the rest of the desk)"), "{html}");
        // Published references, cited; and honestly none for NPS.
        assert!(html.contains("MetricNet") && html.contains("https://www.metricnet.com/metric-of-month-customer-satisfaction/"));
        assert!(html.contains("HDI, 2007") && html.contains("a reference, not a target"), "{html}");
        assert!(html.contains("No published reference is shipped for this measure"), "{html}");

        // A custom target changes the verdict.
        app.store.set_setting("csat_target", "60".into()).await.unwrap();
        let (_, html) = boss.text("/insight/benchmarks").await;
        assert!(html.contains("At or above the target of 60 %, but the 95 % interval includes it"), "{html}");

        // Tom sees his own answers only, and no team table.
        let tom = app.signed_in("tom@desk.example").await;
        let (status, mine) = tom.text("/insight/benchmarks").await;
        assert_eq!(status, 200);
        assert!(mine.contains("Your answers") && !mine.contains("Teams against"), "{mine}");
        assert!(mine.contains("100 %</span> <span class=\"muted\">(51–100 %)</span><br><span class=\"muted\">4 answers"), "{mine}");
    }

    async fn a_coaching_page_is_for_the_person_and_those_who_lead_them(app) {
        answer(&app, Answer { comment: Some("Still broken"), reasons: &["reason.too_slow"], ..Answer::new("INC-T1", TOM, "Desktop Support", "1") }).await;
        answer(&app, Answer {
            comment: Some("Tom fixed the printer <script>alert(1)</script> in minutes"),
            reasons: &["reason.friendly", "reason.quick_response"],
            ..Answer::new("INC-T2", TOM, "Desktop Support", "5")
        }).await;
        answer(&app, Answer { comment: Some("Great help with the printer, thank you"), reasons: &["reason.friendly"], ..Answer::new("INC-T3", TOM, "Desktop Support", "5") }).await;
        answer(&app, Answer { reasons: &["reason.quick_response"], ..Answer::new("INC-T4", TOM, "Desktop Support", "4") }).await;
        answer(&app, Answer::new("INC-K1", KIM, "Desktop Support", "2")).await;
        answer(&app, Answer::new("INC-N1", NIA, "Desktop Support", "5")).await;
        answer(&app, Answer::new("INC-E1", EVE, "Network", "5")).await;
        app.after_minutes(10).await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;
        let (tom_id, nia_id, eve_id) = (agent_id(&app, "tom@desk.example").await, agent_id(&app, "nia@desk.example").await, agent_id(&app, "eve@desk.example").await);

        // Tom goes straight to his own page.
        let tom = app.signed_in("tom@desk.example").await;
        let response = tom.get("/coaching").await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"].to_str().unwrap(), format!("/coaching/{tom_id}"));
        let (status, html) = tom.text(&format!("/coaching/{tom_id}")).await;
        assert_eq!(status, 200);
        // His trend in words, with n and interval, beside the rest of his team (Kim 2, Nia 5).
        assert!(html.contains("Most customers were happy with Tom Berg"), "{html}");
        assert!(html.contains("3 of 4 answers were 4 or 5 (75 %, likely between 30 and 95 %)."), "{html}");
        assert!(html.contains("Beside the rest of Desktop Support (50 % of 2 answers), the difference could well be chance."), "{html}");
        assert!(html.contains("Desktop Support (the whole team)"), "the team's line on the chart");
        // Strengths and areas from the reasons customers chose.
        assert!(html.contains("<strong>Friendly and helpful</strong>: Chosen twice by happy customers."), "{html}");
        assert!(html.contains("<strong>Quick response</strong>: Chosen twice by happy customers."), "{html}");
        assert!(html.contains("<strong>Took too long</strong>: Chosen once by unhappy customers."), "{html}");
        // ... and from the themes of their comments.
        assert!(html.contains("<strong>Printer</strong>: Mentioned in comments twice by happy customers."), "{html}");
        // Praise in the customer's words, first name only, escaped.
        assert!(html.contains("Great help with the printer, thank you") && html.contains("— Ana, 2025-11-20"), "{html}");
        assert!(!html.contains("Silva"), "no customer's full name");
        let escaped = ["&#60;script&#62;alert(1)&#60;/script&#62;", "&lt;script&gt;alert(1)&lt;/script&gt;"];
        assert!(escaped.iter().any(|e| html.contains(&format!("Tom fixed the printer {e} in minutes"))), "{html}");
        assert!(!html.contains("<script>alert(1)"));
        assert!(!html.contains("Still broken"), "only praise is quoted");
        // The recovery case from his unhappy answer, linked.
        assert!(html.contains("href=\"/follow-ups/") && html.contains("INC-T1</a>") && html.contains("1/5"), "{html}");
        // Never a ranking.
        assert!(!html.contains("Nia Moss") && !html.contains("Kim Lee") && !html.to_lowercase().contains("rank #"));

        // A colleague's page does not exist for Tom.
        assert_eq!(tom.get(&format!("/coaching/{nia_id}")).await.status(), 404);
        assert_eq!(tom.get("/coaching/not-a-number").await.status(), 404);

        // The team lead sees the people of Desktop Support, not Network's.
        let lead = app.signed_in("lead@desk.example").await;
        let (status, list) = lead.text("/coaching").await;
        assert_eq!(status, 200);
        for name in ["Tom Berg", "Nia Moss", "Kim Lee"] {
            assert!(list.contains(name), "{name} missing: {list}");
        }
        assert!(!list.contains("Eve Stone"), "{list}");
        assert_eq!(lead.get(&format!("/coaching/{eve_id}")).await.status(), 404);
        let (status, toms) = lead.text(&format!("/coaching/{tom_id}")).await;
        assert_eq!(status, 200);
        assert!(toms.contains("3 of 4 answers") && toms.contains("INC-T1</a>"), "{toms}");

        // Eve is alone in Network: her page leaves the team's line out rather than show it.
        app.staff_user(StaffRole::Agent, "eve@desk.example", &[]).await;
        let eve = app.signed_in("eve@desk.example").await;
        let (status, hers) = eve.text(&format!("/coaching/{eve_id}?period=year")).await;
        assert_eq!(status, 200);
        assert!(hers.contains("Nearly all customers were happy with Eve Stone") && hers.contains("1 of 1 answer was 4 or 5"), "{hers}");
        assert!(hers.contains("Too few colleagues had answers in this period"), "{hers}");
        assert!(hers.contains("value=\"year\" selected"), "the period chosen");

        // An admin may coach everyone who has answers.
        let boss = app.signed_in("boss@desk.example").await;
        let (_, all) = boss.text("/coaching").await;
        assert!(all.contains("Eve Stone") && all.contains("Tom Berg"), "{all}");
        assert_eq!(boss.get("/coaching/999999").await.status(), 404);
    }
}
