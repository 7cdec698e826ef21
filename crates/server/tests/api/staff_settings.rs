//! Admin settings pages: the desk and API tokens.

use crate::on_both_databases;
use crate::support::StaffClient;
use rapport_store::StaffRole;

async fn save_desk(browser: &StaffClient, fields: &[(&str, &str)], days: &[&str]) -> (u16, String) {
    let csrf = browser.csrf("/settings").await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for day in days {
        form = form.text("days", day.to_string());
    }
    let response = browser.client.post(browser.url("/settings")).multipart(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

on_both_databases! {
    async fn an_admin_sets_the_desk_and_bad_values_are_explained(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let fields = [("desk_name", "Campus IT"), ("default_language", "fr"), ("time_zone", "Mars/Olympus"), ("start", "17:00"), ("end", "09:00")];
        let (status, html) = save_desk(&browser, &fields, &[]).await;
        assert_eq!(status, 422);
        for message in ["is not a time zone", "start before the end", "at least one business day"] {
            assert!(html.contains(message), "{message}");
        }
        assert_eq!(app.store.setting("desk_name").await.unwrap().as_deref(), Some("Service Desk"), "nothing saved");

        let fields = [("desk_name", "Campus IT"), ("default_language", "fr"), ("time_zone", "Europe/Lisbon"), ("start", "08:30"), ("end", "17:30")];
        let (status, html) = save_desk(&browser, &fields, &["mon", "tue", "wed", "thu", "fri"]).await;
        assert_eq!(status, 200);
        assert!(html.contains("Saved."));
        assert_eq!(app.store.setting("time_zone").await.unwrap().as_deref(), Some("Europe/Lisbon"));
        assert_eq!(app.store.setting("default_language").await.unwrap().as_deref(), Some("fr"));
        assert!(browser.text("/audit").await.1.contains("settings_changed"));
    }

    async fn an_admin_creates_a_token_shown_once_and_revokes_it(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let csrf = browser.csrf("/settings/tokens").await;
        let created = browser.post_form("/settings/tokens", &[("csrf", &csrf), ("name", "zendesk"), ("scope", "read")]).await;
        let html = created.text().await.unwrap();
        let at = html.find("rpt_").expect("the secret is shown");
        let secret: String = html[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        assert_eq!(app.get_json(&secret, "/api/v1/tickets").await.0, 200, "the shown token works");
        let (_, listed) = browser.text("/settings/tokens").await;
        assert!(listed.contains("zendesk") && !listed.contains(&secret), "listed without its secret");
        let id = app.store.tokens().await.unwrap().iter().find(|t| t.name == "zendesk").unwrap().id;
        let revoked = browser.post_form(&format!("/settings/tokens/{id}/revoke"), &[("csrf", &csrf)]).await;
        assert_eq!(revoked.status(), 303);
        assert_eq!(app.get_json(&secret, "/api/v1/tickets").await.0, 401);
    }

    async fn settings_pages_are_for_admins_only(app) {
        app.staff_user(StaffRole::Manager, "lead@desk.example", &[]).await;
        let browser = app.signed_in("lead@desk.example").await;
        for path in ["/settings", "/settings/tokens"] {
            assert_eq!(browser.get(path).await.status(), 404, "{path}");
        }
        let csrf = browser.csrf("/").await;
        let post = browser.post_form("/settings/tokens", &[("csrf", &csrf), ("name", "x"), ("scope", "admin")]).await;
        assert_eq!(post.status(), 404);
        assert!(app.store.tokens().await.unwrap().is_empty());
    }
}
