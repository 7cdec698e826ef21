//! Settings › Users and teams: admins add people with a temporary password shown once,
//! reset passwords, disable accounts and choose the teams managers lead; every change is
//! in the audit log, and no one else can reach any of it.

use crate::on_both_databases;
use crate::support::{event, StaffClient, TestApp, STAFF_PASSWORD};
use rapport_domain::Scope;
use rapport_store::staff_views::NamedKind;
use rapport_store::StaffRole;

const PAGE: &str = "/settings/users";

/// The temporary password on a page, if it shows one.
fn temporary_password(html: &str) -> Option<String> {
    let after = html.split("class=\"secret temp-password\">").nth(1)?;
    Some(after.split("</code>").next()?.to_string())
}

/// Teams exist once ticket events name them.
async fn teams(app: &TestApp, names: &[&str]) -> Vec<i64> {
    let token = app.token(Scope::Ingest).await;
    for (n, name) in names.iter().enumerate() {
        let mut body = event(&format!("e-team-{n}"), &format!("INC-T{n}"), "open", "2026-11-20T14:03:00Z");
        body["ticket"]["team"] = (*name).into();
        assert_eq!(app.post_event(&token, &body).await.status().as_u16() / 100, 2, "{name}");
    }
    let all = app.store.named(NamedKind::Teams).await.unwrap();
    names.iter().map(|name| all.iter().find(|t| t.name == *name).unwrap().id).collect()
}

async fn admin(app: &TestApp) -> (i64, StaffClient, String) {
    let id = app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
    let browser = app.signed_in("boss@desk.example").await;
    let csrf = browser.csrf(PAGE).await;
    (id, browser, csrf)
}

on_both_databases! {
    async fn an_admin_adds_an_agent_who_signs_in_once_with_the_temporary_password(app) {
        let (_, boss, csrf) = admin(&app).await;
        let (status, html) = boss.text(PAGE).await;
        assert_eq!(status, 200);
        assert!(html.contains("<nav aria-label=\"Settings\" class=\"subnav\">"), "{html}");
        assert!(html.contains("boss@desk.example") && html.contains("Add a user"));

        let form = [("csrf", csrf.as_str()), ("email", " Nina@Desk.example "), ("name", "Nina Olsen"), ("role", "agent")];
        let created = boss.post_form(PAGE, &form).await;
        assert_eq!(created.status(), 200);
        assert_eq!(created.headers()["cache-control"], "no-store");
        let html = created.text().await.unwrap();
        let password = temporary_password(&html).expect("the temporary password is shown");
        assert!(password.len() >= 12, "{password}");
        assert!(html.contains("nina@desk.example") && html.contains("must change password"), "{html}");
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE email = 'nina@desk.example' AND must_change_password = 1").await, 1);

        let (_, again) = boss.text(PAGE).await;
        assert!(temporary_password(&again).is_none() && !again.contains(&password), "shown only once");

        let nina = app.browser();
        let signed = nina.sign_in("nina@desk.example", &password).await;
        assert_eq!(signed.status(), 303);
        assert_eq!(signed.headers()["location"], "/account/password");
        assert_eq!(nina.get("/").await.headers()["location"], "/account/password");
        assert_eq!(nina.get(PAGE).await.headers()["location"], "/account/password");
    }

    async fn a_duplicate_or_invalid_user_is_refused_with_messages_and_nothing_is_written(app) {
        let (_, boss, csrf) = admin(&app).await;
        app.staff_user(StaffRole::Agent, "ann@desk.example", &[]).await;
        let before = app.count("SELECT COUNT(*) FROM staff_users").await;
        let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;

        let duplicate = [("csrf", csrf.as_str()), ("email", "ANN@desk.example"), ("name", "Ann Again"), ("role", "agent")];
        let response = boss.post_form(PAGE, &duplicate).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("A user with this email exists"), "{html}");
        assert!(html.contains("value=\"Ann Again\""), "what was typed stays in the form");
        assert!(temporary_password(&html).is_none());

        let wrong = [("csrf", csrf.as_str()), ("email", "not an email"), ("name", "  "), ("role", "owner"), ("teams", "999")];
        let response = boss.post_form(PAGE, &wrong).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        for message in ["Enter an email address", "Enter their name", "Choose a role", "Choose teams from the list"] {
            assert!(html.contains(message), "{message} in {html}");
        }
        assert!(html.contains("aria-invalid=\"true\""), "fields in error are marked");
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users").await, before);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, audit_before);
    }

    async fn a_reset_ends_the_users_sessions_and_the_new_temporary_password_works(app) {
        let (_, boss, csrf) = admin(&app).await;
        let dan = app.staff_user(StaffRole::Agent, "dan@desk.example", &[]).await;
        let dans_browser = app.signed_in("dan@desk.example").await;
        assert_eq!(dans_browser.get("/").await.status(), 200);

        let response = boss.post_form(&format!("{PAGE}/{dan}/reset-password"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status(), 200);
        let password = temporary_password(&response.text().await.unwrap()).expect("a new temporary password");

        let out = dans_browser.get("/").await;
        assert_eq!((out.status().as_u16(), out.headers()["location"].to_str().unwrap()), (303, "/sign-in"));
        assert_eq!(app.browser().sign_in("dan@desk.example", STAFF_PASSWORD).await.status(), 401, "the old password is gone");
        let signed = app.browser().sign_in("dan@desk.example", &password).await;
        assert_eq!((signed.status().as_u16(), signed.headers()["location"].to_str().unwrap()), (303, "/account/password"));
        assert_eq!(boss.get("/").await.status(), 200, "the admin's own session goes on");
    }

    async fn disabling_ends_sessions_at_once_and_sign_in_then_fails(app) {
        let (_, boss, csrf) = admin(&app).await;
        let eve = app.staff_user(StaffRole::Manager, "eve@desk.example", &[]).await;
        let eves_browser = app.signed_in("eve@desk.example").await;

        let response = boss.post_form(&format!("{PAGE}/{eve}/disable"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("Disabled eve@desk.example") && html.contains("user-state-disabled"), "{html}");

        assert_eq!(eves_browser.get("/").await.headers()["location"], "/sign-in");
        assert_eq!(app.browser().sign_in("eve@desk.example", STAFF_PASSWORD).await.status(), 401);
        let reset = boss.post_form(&format!("{PAGE}/{eve}/reset-password"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(reset.status(), 422, "a disabled user's password is not reset");
    }

    async fn an_admin_cannot_disable_or_reset_themselves(app) {
        let (me, boss, csrf) = admin(&app).await;
        let response = boss.post_form(&format!("{PAGE}/{me}/disable"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("You cannot disable yourself"));
        let response = boss.post_form(&format!("{PAGE}/{me}/reset-password"), &[("csrf", csrf.as_str())]).await;
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("You cannot reset your own password here"));
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE disabled_at IS NULL AND must_change_password = 0").await, 1);
        assert_eq!(boss.get("/").await.status(), 200, "still signed in");
        assert_eq!(boss.post_form(&format!("{PAGE}/999999/disable"), &[("csrf", csrf.as_str())]).await.status(), 404);
    }

    async fn an_admin_chooses_the_teams_a_manager_leads_and_the_audit_log_shows_every_change(app) {
        let ids = teams(&app, &["Desktop", "Network"]).await;
        let (desktop, network) = (ids[0].to_string(), ids[1].to_string());
        let (_, boss, csrf) = admin(&app).await;

        let form = [("csrf", csrf.as_str()), ("email", "lea@desk.example"), ("name", "Lea Lead"), ("role", "manager"), ("teams", desktop.as_str()), ("teams", network.as_str())];
        let response = boss.post_form(PAGE, &form).await;
        assert_eq!(response.status(), 200);
        let lea_password = temporary_password(&response.text().await.unwrap()).unwrap();
        let lea = app.store.staff_user_by_email("lea@desk.example").await.unwrap().unwrap();
        assert_eq!(lea.role, StaffRole::Manager);
        let mut led = lea.team_ids.clone();
        led.sort();
        let mut expected = ids.clone();
        expected.sort();
        assert_eq!(led, expected);

        let path = format!("{PAGE}/{}/teams", lea.id);
        let response = boss.post_form(&path, &[("csrf", csrf.as_str()), ("teams", network.as_str())]).await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("Lea Lead now leads Network"), "{html}");
        assert_eq!(app.store.staff_user(lea.id).await.unwrap().unwrap().team_ids, vec![ids[1]]);
        let teams_table = html.split("id=\"teams-heading\"").nth(1).unwrap().split("</table>").next().unwrap().to_string();
        assert!(teams_table.contains("Network</th><td data-label=\"Led by\">Lea Lead"), "{teams_table}");

        let bad = boss.post_form(&path, &[("csrf", csrf.as_str()), ("teams", "424242")]).await;
        assert_eq!(bad.status(), 422);
        let agent = app.staff_user(StaffRole::Agent, "ann@desk.example", &[]).await;
        let not_a_manager = boss.post_form(&format!("{PAGE}/{agent}/teams"), &[("csrf", csrf.as_str()), ("teams", desktop.as_str())]).await;
        assert_eq!(not_a_manager.status(), 422);
        assert!(not_a_manager.text().await.unwrap().contains("Only managers lead teams"));

        assert_eq!(boss.post_form(&format!("{PAGE}/{agent}/reset-password"), &[("csrf", csrf.as_str())]).await.status(), 200);
        assert_eq!(boss.post_form(&format!("{PAGE}/{agent}/disable"), &[("csrf", csrf.as_str())]).await.status(), 200);

        let (status, audit) = boss.text("/audit").await;
        assert_eq!(status, 200);
        for expected in [
            "<td>boss@desk.example</td><td>user_created</td><td>lea@desk.example</td><td>role manager; leads Desktop, Network</td>",
            "<td>boss@desk.example</td><td>teams_changed</td><td>lea@desk.example</td><td>Network</td>",
            "<td>boss@desk.example</td><td>password_reset</td><td>ann@desk.example</td>",
            "<td>boss@desk.example</td><td>user_disabled</td><td>ann@desk.example</td>",
        ] {
            assert!(audit.contains(expected), "{expected} in {audit}");
        }
        assert!(!audit.contains(&lea_password), "no password in the audit log");
    }

    async fn managers_and_agents_find_no_users_pages(app) {
        teams(&app, &["Desktop"]).await;
        app.staff_user(StaffRole::Admin, "boss@desk.example", &[]).await;
        let lead = app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop"]).await;
        let agent = app.staff_user(StaffRole::Agent, "ann@desk.example", &[]).await;
        let users = app.count("SELECT COUNT(*) FROM staff_users").await;
        for who in ["lead@desk.example", "ann@desk.example"] {
            let browser = app.signed_in(who).await;
            let csrf = browser.csrf("/").await;
            assert_eq!(browser.get(PAGE).await.status(), 404, "{who}");
            let create = [("csrf", csrf.as_str()), ("email", "sneaky@desk.example"), ("name", "Sneaky"), ("role", "admin")];
            assert_eq!(browser.post_form(PAGE, &create).await.status(), 404, "{who}");
            for target in [lead, agent] {
                for action in ["reset-password", "disable", "teams"] {
                    let path = format!("{PAGE}/{target}/{action}");
                    assert_eq!(browser.post_form(&path, &[("csrf", csrf.as_str())]).await.status(), 404, "{who} {path}");
                }
            }
            assert_eq!(browser.get("/").await.status(), 200, "{who} is still signed in");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users").await, users);
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE disabled_at IS NOT NULL OR must_change_password = 1").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_user_teams").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action NOT IN ('sign_in')").await, 0);
    }

    async fn every_users_form_needs_the_sessions_token(app) {
        let ids = teams(&app, &["Desktop"]).await;
        let (_, boss, _) = admin(&app).await;
        let lead = app.staff_user(StaffRole::Manager, "lead@desk.example", &[]).await;
        let desktop = ids[0].to_string();
        for csrf in [None, Some("forged")] {
            let token = |form: &[(&'static str, &'static str)]| {
                let mut form = form.to_vec();
                if let Some(csrf) = csrf {
                    form.push(("csrf", csrf));
                }
                form
            };
            let create = token(&[("email", "new@desk.example"), ("name", "New"), ("role", "agent")]);
            assert_eq!(boss.post_form(PAGE, &create).await.status(), 403);
            for action in ["reset-password", "disable"] {
                assert_eq!(boss.post_form(&format!("{PAGE}/{lead}/{action}"), &token(&[])).await.status(), 403, "{action}");
            }
            let mut teams_form: Vec<(&str, &str)> = token(&[]);
            teams_form.push(("teams", desktop.as_str()));
            assert_eq!(boss.post_form(&format!("{PAGE}/{lead}/teams"), &teams_form).await.status(), 403);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users").await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE disabled_at IS NOT NULL OR must_change_password = 1").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM staff_user_teams").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action NOT IN ('sign_in')").await, 0);
    }
}
