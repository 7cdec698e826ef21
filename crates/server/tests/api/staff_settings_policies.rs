//! The survey policy pages: an admin edits, creates and deletes policies through the
//! forms, with the same checks as the API; nobody else sees them.

use crate::on_both_databases;
use crate::support::{StaffClient, TestApp};
use rapport_domain::Scope;
use rapport_store::StaffRole;
use serde_json::Value;

fn unescape(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(unescape(tag[at..].split('"').next()?))
}

/// What a browser would send for the policy form on `html` (the first form with
/// `action`): text and number inputs, checked boxes, selected options and textareas.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("action=\"{action}\"")).expect("the policy form");
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut fields = Vec::new();
    for tag in form.split("<input").skip(1).map(|t| t.split('>').next().unwrap()) {
        let name = attribute(tag, "name").unwrap();
        match attribute(tag, "type").as_deref() {
            Some("checkbox") if !tag.contains(" checked") => {}
            _ => fields.push((name, attribute(tag, "value").unwrap_or_default())),
        }
    }
    for select in form.split("<select").skip(1) {
        let name = attribute(select.split('>').next().unwrap(), "name").unwrap();
        let select = select.split("</select>").next().unwrap();
        let chosen = select.split("<option").skip(1).find(|o| o.split('>').next().unwrap().contains(" selected"));
        let option = chosen.or_else(|| select.split("<option").nth(1)).unwrap();
        fields.push((name, attribute(option.split('>').next().unwrap(), "value").unwrap()));
    }
    for area in form.split("<textarea").skip(1) {
        let (tag, rest) = area.split_once('>').unwrap();
        fields.push((attribute(tag, "name").unwrap(), unescape(rest.split("</textarea>").next().unwrap())));
    }
    fields
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(n, _)| n != name);
    fields.push((name.to_string(), value.to_string()));
}

async fn post(browser: &StaffClient, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post_form(path, &form).await
}

async fn policies(app: &TestApp) -> Vec<Value> {
    let admin = app.token(Scope::Admin).await;
    let (status, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
    assert_eq!(status, 200);
    body["policies"].as_array().unwrap().clone()
}

async fn default_policy(app: &TestApp) -> Value {
    policies(app).await.into_iter().find(|p| p["is_default"] == true).unwrap()
}

on_both_databases! {
    async fn an_admin_changes_the_default_policy_through_its_form(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let before = default_policy(&app).await;
        let id = before["id"].as_i64().unwrap();
        let path = format!("/settings/policies/{id}");

        let (status, list) = browser.text("/settings/policies").await;
        assert_eq!(status, 200);
        assert!(list.contains(&format!("href=\"{path}\"")) && list.contains("href=\"/settings/policies/new\""));
        assert!(list.contains("aria-label=\"Settings\" class=\"subnav\""));
        assert!(list.contains("100%") && list.contains("30 days") && list.contains("1 hour"), "{list}");

        let (status, html) = browser.text(&path).await;
        assert_eq!(status, 200);
        for id in ["name", "enabled", "trigger", "sample_percent", "cooldown_days", "delay_minutes", "expiry_days",
                   "reminders", "reminder_gap_days", "exclude_organizations", "exclude_email_patterns", "scale",
                   "ask_nps", "ask_effort", "ask_comment", "reasons_positive", "reasons_negative",
                   "change_window_hours", "visits_exempt_from_cooldown"] {
            assert!(html.contains(&format!("for=\"{id}\"")) && html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(!html.contains("id=\"scope_team\""), "the default applies to everything else");
        assert!(html.contains("Quick response"), "reason codes are shown as customers read them");
        assert!(
            html.contains("CSAT 2 or lower (or NPS 6 or lower) opens a recovery case for the team lead, 5 minutes after")
                && html.contains("CSAT 4 or higher (or NPS 9 or higher) schedules a check-in"),
            "the follow-up rules in words: {html}"
        );

        let mut fields = form_fields(&html, &path);
        set(&mut fields, "sample_percent", "30");
        let saved = post(&browser, &path, &fields).await;
        assert_eq!(saved.status(), 303);
        let to = saved.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/settings/policies?"), "{to}");
        let (_, list) = browser.text(&to).await;
        assert!(list.contains("role=\"status\"") && list.contains("saved"), "a confirmation");

        let after = default_policy(&app).await;
        assert_eq!(after["sample_percent"], 30.0);
        let mut expected = before.clone();
        expected["sample_percent"] = 30.0.into();
        assert_eq!(after, expected, "every other field came back as it was");

        let (_, audit) = browser.text("/audit").await;
        assert!(audit.contains("policy_changed") && audit.contains("admin@desk.example"));
        assert!(audit.contains("sample_percent") && audit.contains("30"), "the policy as it now stands");
    }

    async fn invalid_values_are_named_next_to_their_fields_and_nothing_is_saved(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let before = default_policy(&app).await;
        let path = format!("/settings/policies/{}", before["id"]);
        let mut fields = form_fields(&browser.text(&path).await.1, &path);
        set(&mut fields, "sample_percent", "150");
        set(&mut fields, "reminders", "5");
        set(&mut fields, "cooldown_days", "");
        set(&mut fields, "name", "Renamed");

        let response = post(&browser, &path, &fields).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        for (field, message) in [("sample_percent", "must be between 0 and 100"), ("reminders", "must be between 0 and 2"), ("cooldown_days", "is required")] {
            let error = html.split(&format!("id=\"{field}-error\"")).nth(1).unwrap_or_else(|| panic!("no error for {field}"));
            assert!(error.split("</p>").next().unwrap().contains(message), "{field}");
            assert!(html.contains(&format!("aria-describedby=\"{field}-hint {field}-error\"")), "{field} points at its error");
            assert!(html.contains(&format!("href=\"#{field}\"")), "the summary links {field}");
        }
        assert!(html.contains("Sample rate (%)") && html.contains("Reminders"));
        assert!(html.contains("value=\"150\"") && html.contains("value=\"Renamed\""), "the form keeps what was typed");
        assert_eq!(default_policy(&app).await, before, "nothing was written");
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'policy_changed'").await, 0);
    }

    async fn an_admin_sets_the_follow_up_rules_through_the_form(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let before = default_policy(&app).await;
        let path = format!("/settings/policies/{}", before["id"]);
        let html = browser.text(&path).await.1;
        for id in ["follow_up.enabled", "follow_up.recovery_csat_max", "follow_up.grace_minutes",
                   "follow_up.recovery_owner", "follow_up.queue", "follow_up.service_gaps"] {
            assert!(html.contains(&format!("for=\"{id}\"")) && html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        let mut fields = form_fields(&html, &path);
        set(&mut fields, "follow_up.recovery_csat_max", "1");
        set(&mut fields, "follow_up.grace_minutes", "10");
        set(&mut fields, "follow_up.recovery_owner", "queue");
        set(&mut fields, "follow_up.queue", "  Service recovery ");
        set(&mut fields, "follow_up.checkins_automatic", "on");
        fields.retain(|(name, _)| name != "follow_up.acknowledge_customer");
        set(&mut fields, "follow_up.service_gaps", "Slow response\r\n\r\nFix did not last");
        set(&mut fields, "follow_up.acknowledgement", "Hello {first_name}, {owner} will call you.");
        assert_eq!(post(&browser, &path, &fields).await.status(), 303);

        let rules = default_policy(&app).await["follow_up"].clone();
        assert_eq!(rules["recovery_csat_max"], 1);
        assert_eq!(rules["grace_minutes"], 10);
        assert_eq!(rules["recovery_owner"], serde_json::json!({ "kind": "queue", "name": "Service recovery" }));
        assert_eq!(rules["checkins_automatic"], true);
        assert_eq!(rules["acknowledge_customer"], false);
        assert_eq!(rules["service_gaps"], serde_json::json!(["Slow response", "Fix did not last"]));
        assert_eq!(rules["acknowledgement"], "Hello {first_name}, {owner} will call you.");
        assert_eq!(rules["checkin_csat_min"], before["follow_up"]["checkin_csat_min"], "untouched fields stay");
        let html = browser.text(&path).await.1;
        assert!(html.contains("opens a recovery case for the queue “Service recovery”, 10 minutes after"), "{html}");

        // Out of range, out of order, not a number, a queue without a name: each said where it is.
        let mut fields = form_fields(&html, &path);
        set(&mut fields, "follow_up.checkin_csat_min", "1");
        set(&mut fields, "follow_up.grace_minutes", "soon");
        set(&mut fields, "follow_up.resolve_business_days", "90");
        set(&mut fields, "follow_up.queue", "");
        let response = post(&browser, &path, &fields).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        for (field, message) in [
            ("follow_up.grace_minutes", "must be a whole number"),
            ("follow_up.resolve_business_days", "must be between 1 and 30"),
            ("follow_up.checkin_csat_min", "must be above recovery_csat_max (1)"),
            ("follow_up.recovery_owner", "the queue needs a name"),
        ] {
            let error = html.split(&format!("id=\"{field}-error\"")).nth(1).unwrap_or_else(|| panic!("no error for {field}"));
            assert!(error.split("</p>").next().unwrap().contains(message), "{field}: {message}");
            assert!(html.contains(&format!("href=\"#{field}\"")), "the summary links {field}");
        }
        assert_eq!(default_policy(&app).await["follow_up"], rules, "nothing was written");
    }

    async fn an_admin_creates_a_scoped_policy_and_deletes_it(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let (status, html) = browser.text("/settings/policies/new").await;
        assert_eq!(status, 200);
        assert!(html.contains("id=\"scope_category\""));
        let mut fields = form_fields(&html, "/settings/policies/new");

        set(&mut fields, "name", "Hardware");
        let unscoped = post(&browser, "/settings/policies/new", &fields).await;
        assert_eq!(unscoped.status(), 422);
        assert!(unscoped.text().await.unwrap().contains("id=\"scope-error\""));
        assert_eq!(policies(&app).await.len(), 1);

        set(&mut fields, "scope_category", "Hardware");
        set(&mut fields, "sample_percent", "12.5");
        set(&mut fields, "reasons_negative", "reason.too_slow\r\nPrinter still broken\r\n");
        set(&mut fields, "exclude_email_patterns", "*@desk.example\nnoreply*");
        fields.retain(|(name, _)| name != "ask_comment");
        let created = post(&browser, "/settings/policies/new", &fields).await;
        assert_eq!(created.status(), 303);
        let created = policies(&app).await.into_iter().find(|p| p["name"] == "Hardware").unwrap();
        assert_eq!(created["scope"]["category"], "Hardware");
        assert_eq!(created["sample_percent"], 12.5);
        assert_eq!(created["ask_comment"], false, "an unchecked box is off");
        assert_eq!(created["reasons_negative"], serde_json::json!(["reason.too_slow", "Printer still broken"]));
        assert_eq!(created["exclude_email_patterns"], serde_json::json!(["*@desk.example", "noreply*"]));
        let id = created["id"].as_i64().unwrap();
        let (_, list) = browser.text("/settings/policies").await;
        assert!(list.contains("Category: Hardware") && list.contains("12.5%"));
        let (_, form) = browser.text(&format!("/settings/policies/{id}")).await;
        assert!(form.contains("Took too long") && form.contains("Printer still broken"));
        assert!(form.contains(&format!("action=\"/settings/policies/{id}/delete\"")));

        let csrf = browser.csrf("/settings/policies").await;
        let deleted = browser.post_form(&format!("/settings/policies/{id}/delete"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(deleted.status(), 303);
        assert_eq!(policies(&app).await.len(), 1);
        assert_eq!(browser.get(&format!("/settings/policies/{id}")).await.status(), 404);
        let (_, audit) = browser.text("/audit").await;
        assert!(audit.contains("policy_created") && audit.contains("policy_deleted"));
    }

    async fn the_default_policy_cannot_be_deleted(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let id = default_policy(&app).await["id"].as_i64().unwrap();
        let (_, form) = browser.text(&format!("/settings/policies/{id}")).await;
        assert!(!form.contains("/delete\""), "no delete button for the default");
        let csrf = browser.csrf("/settings/policies").await;
        let refused = browser.post_form(&format!("/settings/policies/{id}/delete"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("cannot be deleted"));
        assert_eq!(policies(&app).await.len(), 1);
    }

    async fn managers_and_agents_are_told_the_pages_do_not_exist(app) {
        app.staff_user(StaffRole::Manager, "lead@desk.example", &[]).await;
        app.staff_user(StaffRole::Agent, "agent@desk.example", &[]).await;
        let before = default_policy(&app).await;
        let id = before["id"].as_i64().unwrap();
        for who in ["lead@desk.example", "agent@desk.example"] {
            let browser = app.signed_in(who).await;
            for path in ["/settings/policies".to_string(), "/settings/policies/new".into(), format!("/settings/policies/{id}")] {
                assert_eq!(browser.get(&path).await.status(), 404, "{who} GET {path}");
            }
            let csrf = browser.csrf("/").await;
            let form = [("csrf", csrf.as_str()), ("name", "Mine"), ("sample_percent", "1"), ("scope_team", "X")];
            for path in ["/settings/policies/new".to_string(), format!("/settings/policies/{id}"), format!("/settings/policies/{id}/delete")] {
                assert_eq!(browser.post_form(&path, &form).await.status(), 404, "{who} POST {path}");
            }
        }
        assert_eq!(policies(&app).await, vec![before]);
    }

    async fn a_form_without_its_token_is_refused(app) {
        app.staff_user(StaffRole::Admin, "admin@desk.example", &[]).await;
        let browser = app.signed_in("admin@desk.example").await;
        let before = default_policy(&app).await;
        let path = format!("/settings/policies/{}", before["id"]);
        let mut fields = form_fields(&browser.text(&path).await.1, &path);
        set(&mut fields, "sample_percent", "30");
        fields.retain(|(name, _)| name != "csrf");
        assert_eq!(post(&browser, &path, &fields).await.status(), 403);
        set(&mut fields, "csrf", "forged");
        assert_eq!(post(&browser, &path, &fields).await.status(), 403);
        set(&mut fields, "scope_team", "Desktop");
        assert_eq!(post(&browser, "/settings/policies/new", &fields).await.status(), 403);
        assert_eq!(browser.post_form(&format!("{path}/delete"), &[]).await.status(), 403);
        assert_eq!(policies(&app).await, vec![before]);
    }
}
