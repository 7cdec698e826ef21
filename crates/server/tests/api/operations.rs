//! Health, readiness, metrics and the API description.

use crate::on_both_databases;
use crate::support::event;
use rapport_domain::Scope;
use serde_json::Value;

on_both_databases! {
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
    for path in ["/api/v1/ticket-events", "/api/v1/tickets", "/api/v1/tickets/{id}", "/healthz", "/readyz", "/metrics"]
    {
        assert!(doc["paths"][path].is_object(), "{path} is not described");
    }
}
