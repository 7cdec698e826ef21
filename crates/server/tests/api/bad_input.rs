//! Bad input gets a clear JSON error with the right status, and writes nothing.

use crate::on_both_databases;
use crate::support::{event, TestApp};
use rapport_domain::Scope;
use rapport_store::Countable;
use serde_json::Value;

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("errors are JSON");
    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
    (status, body)
}

async fn post_raw(app: &TestApp, token: Option<&str>, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let mut request =
        app.client.post(app.url("/api/v1/ticket-events")).header("content-type", "application/json").body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn assert_nothing_written(app: &TestApp) {
    for table in [Countable::Tickets, Countable::TicketEvents, Countable::Customers, Countable::Agents] {
        assert_eq!(app.store.count(table).await.unwrap(), 0, "{table:?}");
    }
}

/// One way to spoil a valid event.
type Breakage = Box<dyn Fn(&mut Value)>;

on_both_databases! {
    async fn malformed_json_is_a_400(app) {
        let token = app.token(Scope::Ingest).await;
        let (status, body) = error_of(post_raw(&app, Some(&token), "{\"event_id\": ").await).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")));
        assert_nothing_written(&app).await;
    }

    async fn each_invalid_field_is_a_422_naming_the_field(app) {
        let token = app.token(Scope::Ingest).await;
        let cases: Vec<(&str, Breakage)> = vec![
            ("ticket.status", Box::new(|e| e["ticket"]["status"] = "solved".into())),
            ("event_id", Box::new(|e| { e.as_object_mut().unwrap().remove("event_id"); })),
            ("ticket.external_id", Box::new(|e| e["ticket"]["external_id"] = "  ".into())),
            ("occurred_at", Box::new(|e| e["occurred_at"] = "20/11/2026".into())),
            ("ticket.closed_at", Box::new(|e| e["ticket"]["closed_at"] = "2026-02-30T10:00:00Z".into())),
            ("ticket.requester.email", Box::new(|e| e["ticket"]["requester"]["email"] = "ana at example".into())),
            ("ticket.assignee.email", Box::new(|e| e["ticket"]["assignee"]["email"] = "tom@desk\r\nBcc: x@y.z".into())),
            ("body", Box::new(|e| e["ticket"]["requester"]["vip"] = "yes please".into())),
            ("ticket", Box::new(|e| { e.as_object_mut().unwrap().remove("ticket"); })),
        ];
        for (field, break_it) in cases {
            let mut body = event("evt-bad", "INC9", "closed", "2026-11-20T14:03:00Z");
            break_it(&mut body);
            let (status, error) = error_of(app.post_event(&token, &body).await).await;
            assert_eq!(status, 422, "{field}: {error}");
            let named = error["error"]["fields"].as_array().map(|fields| fields.iter().any(|f| f["field"] == field));
            assert!(named.unwrap_or(field == "body"), "{field} should be named in {error}");
        }
        assert_nothing_written(&app).await;
    }

    async fn a_body_over_one_mebibyte_is_a_413(app) {
        let token = app.token(Scope::Ingest).await;
        let mut body = event("evt-big", "INC10", "closed", "2026-11-20T14:03:00Z");
        body["ticket"]["padding"] = "x".repeat(1024 * 1024 + 1).into();
        let (status, _) = error_of(app.post_event(&token, &body).await).await;
        assert_eq!(status, 413);
        assert_nothing_written(&app).await;
    }

    async fn a_missing_or_wrong_or_revoked_token_is_a_401(app) {
        let body = serde_json::to_vec(&event("evt-a", "INC11", "open", "2026-11-20T14:03:00Z")).unwrap();
        let (status, _) = error_of(post_raw(&app, None, body.clone()).await).await;
        assert_eq!(status, 401);
        let (status, _) = error_of(post_raw(&app, Some("rpt_0000"), body.clone()).await).await;
        assert_eq!(status, 401);
        let token = app.token(Scope::Ingest).await;
        app.store.revoke_token("test", 0).await.unwrap();
        let (status, _) = error_of(post_raw(&app, Some(&token), body).await).await;
        assert_eq!(status, 401);
        assert_nothing_written(&app).await;
    }

    async fn a_token_with_the_wrong_scope_is_a_403(app) {
        let read = app.token(Scope::Read).await;
        let (status, body) = error_of(app.post_event(&read, &event("evt-s", "INC12", "open", "2026-11-20T14:03:00Z")).await).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
        assert_nothing_written(&app).await;
        let ingest = app.token(Scope::Ingest).await;
        let (status, _) = app.get_json(&ingest, "/api/v1/tickets").await;
        assert_eq!(status, 403);
        let admin = app.token(Scope::Admin).await;
        assert_eq!(app.post_event(&admin, &event("evt-s", "INC12", "open", "2026-11-20T14:03:00Z")).await.status(), 200);
        assert_eq!(app.get_json(&admin, "/api/v1/tickets").await.0, 200);
    }

    async fn a_body_that_is_not_json_is_a_415(app) {
        let token = app.token(Scope::Ingest).await;
        let response = app.client.post(app.url("/api/v1/ticket-events")).bearer_auth(&token).body("event_id=1").send().await.unwrap();
        let (status, _) = error_of(response).await;
        assert_eq!(status, 415);
    }

    async fn reading_an_unknown_ticket_or_bad_filter_is_a_clear_error(app) {
        let read = app.token(Scope::Read).await;
        assert_eq!(app.get_json(&read, "/api/v1/tickets/999999").await.0, 404);
        assert_eq!(app.get_json(&read, "/api/v1/tickets/not-a-number").await.0, 404);
        assert_eq!(app.get_json(&read, "/api/v1/tickets?status=solved").await.0, 422);
        assert_eq!(app.get_json(&read, "/api/v1/tickets?limit=0").await.0, 422);
        assert_eq!(app.get_json(&read, "/api/v1/tickets?after_id=abc").await.0, 400);
        assert_eq!(app.get_json(&read, "/api/v1/nothing-here").await.0, 404);
    }
}
