//! Health, readiness, metrics and the API description.

use crate::on_both_databases;
use crate::support::event;
use rapport_domain::Scope;
use serde_json::Value;

on_both_databases! {
    async fn the_desk_name_and_default_language_are_settings_with_checked_values(app) {
        let admin = app.token(Scope::Admin).await;
        let (status, settings) = app.get_json(&admin, "/api/v1/settings").await;
        assert_eq!((status, settings["desk_name"].as_str()), (200, Some("Service Desk")));
        assert!(settings["languages"].as_array().unwrap().len() >= 5);
        let put = |body: Value| app.client.put(app.url("/api/v1/settings")).bearer_auth(&admin).json(&body).send();
        let bad = put(serde_json::json!({"default_language": "xx", "desk_name": " "})).await.unwrap();
        assert_eq!(bad.status(), 422);
        let good: Value = put(serde_json::json!({"default_language": "de", "desk_name": "IT Help"})).await.unwrap().json().await.unwrap();
        assert_eq!((good["desk_name"].as_str(), good["default_language"].as_str()), (Some("IT Help"), Some("de")));
        let read = app.token(Scope::Read).await;
        assert_eq!(app.get_json(&read, "/api/v1/settings").await.0, 403);
    }

    async fn every_response_carries_the_security_headers(app) {
        let response = app.client.get(app.url("/s/unknown")).send().await.unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'nonce-"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let again = app.client.get(app.url("/s/unknown")).send().await.unwrap();
        assert_ne!(csp, again.headers()["content-security-policy"].to_str().unwrap(), "a fresh nonce every time");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }

    async fn health_and_readiness_answer(app) {
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
    }

    async fn metrics_count_requests_and_ingested_events(app) {
        let token = app.token(Scope::Ingest).await;
        app.post_event(&token, &event("m1", "INC20", "open", "2026-11-20T10:00:00Z")).await;
        app.post_event(&token, &event("m1", "INC20", "open", "2026-11-20T10:00:00Z")).await;
        let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("rapport_ticket_events_ingested_total 1"), "{text}");
        assert!(text.contains("rapport_ticket_events_duplicate_total 1"));
        assert!(text.contains(r#"rapport_http_requests_total{method="POST",route="/api/v1/ticket-events",status="200"} 2"#));
        assert!(text.contains("rapport_http_request_duration_seconds_bucket"));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let app = crate::support::TestApp::sqlite().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/ticket-events",
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/survey-policies",
        "/api/v1/survey-policies/{id}",
        "/api/v1/responses",
        "/api/v1/visits",
        "/api/v1/visits/{id}",
        "/api/v1/tickets/{id}/visits",
        "/api/v1/settings",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }
}
