//! Survey policies through the API: admin only, validated by field.

use crate::on_both_databases;
use rapport_domain::Scope;
use serde_json::{json, Value};

on_both_databases! {
    async fn a_desk_starts_with_a_default_policy(app) {
        let admin = app.token(Scope::Admin).await;
        let (status, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
        assert_eq!(status, 200);
        let default = &body["policies"][0];
        assert_eq!(default["is_default"], true);
        assert_eq!(default["trigger"], "closed");
        assert_eq!(default["sample_percent"], 100.0);
        assert_eq!((default["cooldown_days"].as_i64(), default["delay_minutes"].as_i64()), (Some(30), Some(60)));
        assert_eq!((default["expiry_days"].as_i64(), default["reminders"].as_i64()), (Some(14), Some(1)));
    }

    async fn policies_are_created_changed_and_deleted_with_field_errors(app) {
        let admin = app.token(Scope::Admin).await;
        let post = |body: Value| app.client.post(app.url("/api/v1/survey-policies")).bearer_auth(&admin).json(&body).send();
        let bad = post(json!({"name": "Hardware", "scope": {"category": "Hardware"}, "sample_percent": 150, "reminders": 5})).await.unwrap();
        assert_eq!(bad.status(), 422);
        let errors: Value = bad.json().await.unwrap();
        let fields: Vec<&str> = errors["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["reminders", "sample_percent"]);
        let unknown = post(json!({"name": "x", "sample_rate": 20})).await.unwrap();
        assert_eq!(unknown.status(), 422);
        let unscoped = post(json!({"name": "Everything"})).await.unwrap();
        assert_eq!(unscoped.status(), 422);

        let created = post(json!({"name": "Hardware", "scope": {"category": "Hardware"}, "sample_percent": 30})).await.unwrap();
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["sample_percent"], 30.0);
        let path = format!("/api/v1/survey-policies/{id}");
        let put = app.client.put(app.url(&path)).bearer_auth(&admin).json(&json!({"enabled": false})).send().await.unwrap();
        assert_eq!(put.status(), 200);
        assert_eq!(app.get_json(&admin, &path).await.1["enabled"], false);
        let delete = app.client.delete(app.url(&path)).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(delete.status(), 204);
        assert_eq!(app.get_json(&admin, &path).await.0, 404);
    }

    async fn the_default_policy_cannot_be_deleted_and_other_scopes_cannot_touch_policies(app) {
        let admin = app.token(Scope::Admin).await;
        let (_, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let id = body["policies"][0]["id"].as_i64().unwrap();
        let delete = app.client.delete(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(delete.status(), 409);
        let read = app.token(Scope::Read).await;
        assert_eq!(app.get_json(&read, "/api/v1/survey-policies").await.0, 403);
    }

    async fn a_disabled_policy_is_the_reason_no_survey_was_sent(app) {
        let admin = app.token(Scope::Admin).await;
        let (_, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let id = body["policies"][0]["id"].as_i64().unwrap();
        app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin)
            .json(&json!({"enabled": false})).send().await.unwrap();
        let ingest = app.token(Scope::Ingest).await;
        let answer: Value = app.post_event(&ingest, &crate::support::event("p1", "INC300", "closed", "2026-11-20T14:03:00Z")).await.json().await.unwrap();
        let (_, ticket) = app.get_json(&admin, &format!("/api/v1/tickets/{}", answer["ticket_id"])).await;
        assert_eq!(ticket["survey"]["decision"]["decision"], "policy_disabled");
    }

    async fn thirty_percent_sampling_invites_close_to_thirty_percent_and_never_changes_its_mind(app) {
        let admin = app.token(Scope::Admin).await;
        let (_, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
        let id = body["policies"][0]["id"].as_i64().unwrap();
        app.client.put(app.url(&format!("/api/v1/survey-policies/{id}"))).bearer_auth(&admin)
            .json(&json!({"sample_percent": 30, "cooldown_days": 0})).send().await.unwrap();
        let events: Vec<rapport_domain::TicketEvent> = (0..10_000)
            .map(|n| {
                let mut body = crate::support::event(&format!("s{n}"), &format!("INC-S{n:05}"), "closed", "2026-11-20T14:03:00Z");
                body["ticket"]["requester"]["email"] = format!("c{n}@example.com").into();
                serde_json::from_value::<rapport_domain::TicketEventInput>(body).unwrap().parse(0).unwrap()
            })
            .collect();
        for chunk in events.chunks(1000) {
            app.store.ingest_batch(chunk, crate::support::START).await.unwrap();
        }
        let invited = app.count("SELECT COUNT(*) FROM survey_decisions WHERE decision = 'invited'").await;
        assert!((2_800..=3_200).contains(&invited), "{invited} of 10,000 invited");
        assert_eq!(app.count("SELECT COUNT(*) FROM survey_decisions").await, 10_000);
        for chunk in events.chunks(1000) {
            app.store.ingest_batch(chunk, crate::support::START).await.unwrap();
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM survey_decisions WHERE decision = 'invited'").await, invited);
    }
}
