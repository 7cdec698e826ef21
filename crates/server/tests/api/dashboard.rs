//! The dashboard reads rollups the answers keep: CSAT with its interval and n, the table per
//! team with links to the answers behind each number, the scores' distribution as SVG, and
//! only what the viewer may see.

use crate::on_both_databases;
use crate::support::{Answered, TestApp};
use rapport_store::StaffRole;

/// Closes ticket `id` of `agent` in `team` and answers its survey with `score`.
async fn answered(app: &TestApp, ticket: &str, agent: &str, team: &str, score: &str) {
    app.answered(Answered { ticket, agent, team, score, ..Answered::default() }).await;
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
