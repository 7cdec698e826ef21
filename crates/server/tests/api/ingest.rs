use crate::on_both_databases;
use crate::support::event;
use rapport_domain::Scope;
use serde_json::Value;

on_both_databases! {
    async fn an_event_creates_the_ticket_and_everyone_around_it(app) {
        let token = app.token(Scope::Ingest).await;
        let response = app.post_event(&token, &event("evt-1", "INC0012345", "closed", "2026-11-20T14:03:00Z")).await;
        assert_eq!(response.status(), 200);
        let outcome: Value = response.json().await.unwrap();
        assert_eq!(outcome["created"], true);
        assert_eq!(outcome["duplicate"], false);
        assert_eq!(outcome["status"], "closed");

        let read = app.token(Scope::Read).await;
        let (status, ticket) = app.get_json(&read, &format!("/api/v1/tickets/{}", outcome["ticket_id"])).await;
        assert_eq!(status, 200);
        assert_eq!(ticket["external_id"], "INC0012345");
        assert_eq!(ticket["title"], "Printer on floor 3 jams");
        assert_eq!(ticket["closed_at"], "2026-11-20T14:03:00Z");
        assert_eq!(ticket["requester"]["email"], "ana@example.com");
        assert_eq!(ticket["requester"]["organization"], "Finance");
        assert_eq!(ticket["requester"]["language"], "pt");
        assert_eq!(ticket["assignee"]["name"], "Tom Berg");
        assert_eq!(ticket["team"], "Desktop Support");
        assert_eq!(ticket["history"].as_array().unwrap().len(), 1);

        let (_, found) = app.get_json(&read, "/api/v1/tickets?source=api&external_id=INC0012345").await;
        assert_eq!(found["tickets"][0]["id"], outcome["ticket_id"]);
        let (_, none) = app.get_json(&read, "/api/v1/tickets?source=zendesk&external_id=INC0012345").await;
        assert_eq!(none["tickets"].as_array().unwrap().len(), 0);
    }

    async fn the_same_event_sent_again_changes_nothing_and_answers_as_the_first(app) {
        let token = app.token(Scope::Ingest).await;
        let body = event("evt-dup", "INC1", "open", "2026-11-20T10:00:00Z");
        let first: Value = app.post_event(&token, &body).await.json().await.unwrap();
        let mut changed = body.clone();
        changed["ticket"]["title"] = "A different title under the same event id".into();
        let again = app.post_event(&token, &changed).await;
        assert_eq!(again.status(), 200);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["duplicate"], true);
        for field in ["event_id", "ticket_id", "created", "applied", "status"] {
            assert_eq!(again[field], first[field], "{field}");
        }
        let read = app.token(Scope::Read).await;
        let (_, ticket) = app.get_json(&read, &format!("/api/v1/tickets/{}", first["ticket_id"])).await;
        assert_eq!(ticket["title"], "Printer on floor 3 jams");
        assert_eq!(ticket["history"].as_array().unwrap().len(), 1);
    }

    async fn concurrent_deliveries_of_one_event_apply_it_once(app) {
        let token = app.token(Scope::Ingest).await;
        let body = event("evt-race", "INC2", "closed", "2026-11-20T10:00:00Z");
        let sends = (0..20).map(|_| app.post_event(&token, &body));
        let mut answers: Vec<Value> = Vec::new();
        for response in futures::future::join_all(sends).await {
            assert_eq!(response.status(), 200);
            answers.push(response.json().await.unwrap());
        }
        let firsts = answers.iter().filter(|a| a["duplicate"] == false).count();
        assert_eq!(firsts, 1);
        assert!(answers.iter().all(|a| a["ticket_id"] == answers[0]["ticket_id"] && a["created"] == true));
        assert_eq!(app.store.count(rapport_store::Countable::TicketHistory).await.unwrap(), 1);
    }

    async fn an_older_event_arriving_late_does_not_move_the_ticket_back(app) {
        let token = app.token(Scope::Ingest).await;
        let closed: Value = app.post_event(&token, &event("e2", "INC3", "closed", "2026-11-20T14:00:00Z")).await.json().await.unwrap();
        let late = app.post_event(&token, &event("e1", "INC3", "open", "2026-11-20T09:00:00Z")).await;
        let late: Value = late.json().await.unwrap();
        assert_eq!(late["applied"], false);
        assert_eq!(late["status"], "closed");
        let read = app.token(Scope::Read).await;
        let (_, ticket) = app.get_json(&read, &format!("/api/v1/tickets/{}", closed["ticket_id"])).await;
        assert_eq!(ticket["status"], "closed");
        let history = ticket["history"].as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["to_status"], "open");
        assert_eq!(history[0]["applied"], false);
        assert_eq!(history[1]["to_status"], "closed");
    }

    async fn every_status_change_is_kept_in_order(app) {
        let token = app.token(Scope::Ingest).await;
        let steps = [("new", "08:00"), ("open", "09:00"), ("resolved", "10:00"), ("reopened", "11:00"), ("closed", "12:00")];
        let mut id = Value::Null;
        for (n, (status, time)) in steps.iter().enumerate() {
            let answer: Value = app
                .post_event(&token, &event(&format!("s{n}"), "INC4", status, &format!("2026-11-20T{time}:00Z")))
                .await
                .json()
                .await
                .unwrap();
            id = answer["ticket_id"].clone();
        }
        let read = app.token(Scope::Read).await;
        let (_, ticket) = app.get_json(&read, &format!("/api/v1/tickets/{id}")).await;
        let path: Vec<&str> = ticket["history"].as_array().unwrap().iter().map(|h| h["to_status"].as_str().unwrap()).collect();
        assert_eq!(path, ["new", "open", "resolved", "reopened", "closed"]);
        assert_eq!(ticket["history"][4]["from_status"], "reopened");
    }

    async fn a_customer_is_one_person_whatever_the_case_of_their_email(app) {
        let token = app.token(Scope::Ingest).await;
        let mut second = event("c2", "INC6", "open", "2026-11-21T09:00:00Z");
        second["ticket"]["requester"]["email"] = "ANA@Example.com".into();
        second["ticket"]["requester"]["organization"] = " finance ".into();
        app.post_event(&token, &event("c1", "INC5", "open", "2026-11-20T09:00:00Z")).await;
        app.post_event(&token, &second).await;
        assert_eq!(app.store.count(rapport_store::Countable::Customers).await.unwrap(), 1);
        assert_eq!(app.store.count(rapport_store::Countable::Organizations).await.unwrap(), 1);
        assert_eq!(app.store.count(rapport_store::Countable::Tickets).await.unwrap(), 2);
    }

    async fn two_instances_on_one_database_apply_each_event_once(app) {
        let other = app.another_instance().await;
        let token = app.token(Scope::Ingest).await;
        let mut sends = Vec::new();
        for n in 0..30 {
            let body = event(&format!("multi-{}", n % 10), &format!("INC-M{}", n % 5), "open", "2026-11-20T10:00:00Z");
            let target = if n % 2 == 0 { &app } else { &other };
            let token = &token;
            sends.push(async move { target.post_event(token, &body).await.status() });
        }
        let statuses = futures::future::join_all(sends).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(app.store.count(rapport_store::Countable::TicketEvents).await.unwrap(), 10);
        assert_eq!(app.store.count(rapport_store::Countable::Tickets).await.unwrap(), 5);
    }
}
