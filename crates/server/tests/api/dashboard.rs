//! The dashboard reads rollups the answers keep: CSAT with its interval and n, the table per
//! team with links to the answers behind each number, the scores' distribution as SVG, and
//! only what the viewer may see.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use rapport_store::StaffRole;
use std::time::Duration;

/// Closes ticket `id` of `agent` in `team` and answers its survey with `score`.
async fn answered(app: &TestApp, id: &str, agent: &str, team: &str, score: &str) {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("close-{id}"), id, "closed", "2025-11-20T11:00:00Z");
    body["ticket"]["assignee"]["email"] = agent.into();
    body["ticket"]["team"] = team.into();
    body["ticket"]["requester"]["email"] = format!("{}@example.com", id.to_lowercase()).into();
    body["ticket"]["requester"]["language"] = "en".into();
    app.post_event(&token, &body).await;
    let before = app.smtp.messages().len();
    app.after_minutes(61).await;
    let mail = app.smtp.wait_for(before + 1, Duration::from_secs(5)).await;
    let text = mail[before..]
        .iter()
        .filter_map(|m| parse_message(&m.data).unwrap().text)
        .find(|t| t.contains("?score="))
        .expect("the survey email");
    let link = text.split_whitespace().find(|w| w.contains("?score=")).unwrap().split('?').next().unwrap().to_string();
    app.clock.advance(60_000);
    assert_eq!(app.client.post(link).form(&[("score", score)]).send().await.unwrap().status(), 200);
}

on_both_databases! {
    async fn the_dashboard_shows_csat_with_its_interval_per_team_and_only_what_the_viewer_may_see(app) {
        for (i, score) in ["5", "4", "5", "2"].iter().enumerate() {
            answered(&app, &format!("INC-D{i}"), "tom@desk.example", "Desktop Support", score).await;
        }
        answered(&app, "INC-N1", "nia@desk.example", "Network", "1").await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        app.staff_user(StaffRole::Agent, "tom@desk.example", &[]).await;

        let boss = app.signed_in("boss@desk.example").await;
        let (status, html) = boss.text("/dashboard").await;
        assert_eq!(status, 200);
        // 3 of 5 answers are 4–5: 60 %, Wilson interval 23–88 %, and the small n said plainly.
        assert!(html.contains("60 %") && html.contains("(23–88 %)") && html.contains("5 answers"), "{html}");
        assert!(html.contains("Desktop Support") && html.contains("Network"));
        assert!(html.contains("75 % (30–95 %)"), "Desktop Support: 3 of 4");
        assert!(html.contains("/answers?team="), "numbers link to their answers");
        let svg_start = html.find("<svg").expect("charts as SVG");
        assert!(html[svg_start..].contains("</svg>"));
        assert!(html.contains("Target 85 %"));

        let tom = app.signed_in("tom@desk.example").await;
        let (_, mine) = tom.text("/dashboard").await;
        assert!(mine.contains("75 %") && mine.contains("4 answers"), "Tom sees his own answers only");
        assert!(!mine.contains(">Network<"), "not another team's row");
    }
}
