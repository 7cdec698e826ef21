//! Comment themes: comments in several languages grouped by stem, sentiment per theme, and
//! managers renaming, merging and undoing with the form token; agents may look, not change.

use crate::on_both_databases;
use crate::support::{Answered, StaffClient, TestApp};
use rapport_store::StaffRole;

/// Closes `ticket` for `agent` of Desktop Support, lets the survey go to a customer speaking
/// `language`, and answers it with `score` and `comment`.
async fn answered(app: &TestApp, ticket: &str, agent: &str, language: &str, score: &str, comment: &str) {
    app.answered(Answered { ticket, agent, language, score, comment, ..Answered::default() }).await;
}

/// The table row of the theme labelled `label`.
fn row<'a>(html: &'a str, label: &str) -> &'a str {
    let start = html.find(&format!("<strong>{label}</strong>")).unwrap_or_else(|| panic!("no theme {label}: {html}"));
    let end = html[start..].find("</tr>").map(|e| start + e).unwrap_or(html.len());
    &html[start..end]
}

async fn post(browser: &StaffClient, path: &str, csrf: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    let response = browser.post_form(path, &form).await;
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn desk_with_comments(app: &TestApp) {
    let tom = "tom@desk.example";
    let nia = "nia@desk.example";
    answered(app, "INC-1", tom, "en", "2", "The printer on floor 3 jams all the time").await;
    answered(app, "INC-2", tom, "en", "1", "Printers are always broken <script>alert(1)</script>").await;
    answered(app, "INC-3", tom, "en", "5", "The printer was fixed quickly, thank you").await;
    answered(app, "INC-4", tom, "de", "2", "Der Drucker ist schon wieder kaputt").await;
    answered(app, "INC-5", tom, "de", "3", "Die Farbe des Druckers ist blass").await;
    answered(app, "INC-6", tom, "de", "4", "Der Drucker druckt wieder").await;
    answered(app, "INC-7", nia, "en", "4", "Password reset was quick").await;
    answered(app, "INC-8", nia, "en", "5", "Quick password reset").await;
    answered(app, "INC-9", nia, "en", "2", "The password reset took two days").await;
    app.staff_user(StaffRole::Manager, "lead@desk.example", &["Desktop Support"]).await;
    app.staff_user(StaffRole::Agent, tom, &[]).await;
}

on_both_databases! {
    async fn themes_group_inflections_across_languages_with_sentiment_per_theme(app) {
        desk_with_comments(&app).await;
        let lead = app.signed_in("lead@desk.example").await;
        let (status, html) = lead.text("/insight/themes").await;
        assert_eq!(status, 200);
        assert!(html.contains("Read from 9 comments in this period"), "{html}");

        // "printer"/"Printers" in English: 2 unhappy (one by its score, one "broken"), 1 happy.
        let printer = row(&html, "Printer");
        assert!(printer.contains("<td>3 <span class=\"tag\">few</span></td>"), "{printer}");
        assert!(printer.contains("1 positive · 0 neutral · 2 negative"), "{printer}");
        assert!(printer.contains("67 % negative (21–94 %)"), "{printer}");
        assert!(printer.contains("<svg") && printer.contains("1 positive, 0 neutral, 2 negative"));
        assert!(printer.contains("&#60;script&#62;") && !printer.contains("<script>"), "quotes are escaped: {printer}");
        assert!(printer.contains("Ana,") && !printer.contains("Silva"), "the customer's first name only");
        assert!(printer.contains("href=\"/tickets/"), "examples link to their tickets");
        assert!(html.contains("href=\"/answers?since=2025-08-29\""), "and the period's answers are a click away");

        // "Drucker"/"Druckers" in German: one theme, one of each.
        let drucker = row(&html, "Drucker");
        assert!(drucker.contains("1 positive · 1 neutral · 1 negative"), "{drucker}");
        assert!(drucker.contains("33 % negative"), "{drucker}");
        let reset = row(&html, "Password reset");
        assert!(reset.contains("2 positive · 0 neutral · 1 negative"), "{reset}");
        assert!(!html.contains("<strong>The</strong>") && !html.contains("<strong>Der</strong>"), "no stopword themes");

        // Tom, an agent, sees the themes of his own answers, and no forms.
        let tom = app.signed_in("tom@desk.example").await;
        let (status, mine) = tom.text("/insight/themes").await;
        assert_eq!(status, 200);
        assert!(mine.contains("<strong>Printer</strong>") && !mine.contains("<strong>Password reset</strong>"));
        assert!(!mine.contains("/insight/themes/rename"));
    }

    async fn managers_rename_merge_and_undo_and_others_cannot(app) {
        desk_with_comments(&app).await;
        let lead = app.signed_in("lead@desk.example").await;
        let csrf = lead.csrf("/insight/themes").await;
        let (_, html) = lead.text("/insight/themes").await;
        assert!(html.contains("name=\"key\" value=\"printer\"") && html.contains("value=\"druck\""), "{html}");

        let (status, location, _) =
            post(&lead, "/insight/themes/rename", &csrf, &[("key", "printer"), ("label", " Printing "), ("period", "quarter")]).await;
        assert_eq!((status, location.as_str()), (303, "/insight/themes?period=quarter&saved=renamed"));
        let (status, location, _) = post(&lead, "/insight/themes/merge", &csrf, &[("key", "druck"), ("into", "printer")]).await;
        assert_eq!((status, location.as_str()), (303, "/insight/themes?saved=merged"));
        let (_, html) = lead.text("/insight/themes?saved=merged").await;
        assert!(html.contains("The themes were merged."));
        let printing = row(&html, "Printing");
        assert!(printing.contains("found as “Printer”") && printing.contains("with “drucker”"), "{printing}");
        assert!(printing.contains("<td>6 "), "both languages pooled: {printing}");
        assert!(printing.contains("2 positive · 1 neutral · 3 negative"), "{printing}");
        assert!(printing.contains("Named by lead@desk.example on 2025-11-"), "{printing}");
        assert!(!html.contains("<strong>Drucker</strong>"));
        assert_eq!(app.count("SELECT COUNT(*) FROM theme_names").await, 2);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('theme_renamed', 'theme_merged')").await, 2);

        // Refused: with the reason on the page, nothing changed.
        let long = "x".repeat(81);
        for (path, fields, message) in [
            ("/insight/themes/rename", vec![("key", "printer"), ("label", "  ")], "Give the theme a name."),
            ("/insight/themes/rename", vec![("key", "printer"), ("label", long.as_str())], "80 characters or fewer"),
            ("/insight/themes/rename", vec![("key", "nothing"), ("label", "Nothing")], "not on this page any more"),
            ("/insight/themes/merge", vec![("key", "printer"), ("into", "printer")], "cannot be merged into itself"),
            ("/insight/themes/merge", vec![("key", "printer"), ("into", "druck")], "already merged into this one"),
        ] {
            let (status, _, html) = post(&lead, path, &csrf, &fields).await;
            assert_eq!(status, 422, "{path} {fields:?}");
            assert!(html.contains(message) && html.contains("Nothing was changed"), "{message}: {html}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM theme_names").await, 2);

        // A forged token, and an agent: refused before anything is read.
        let (status, _, _) = post(&lead, "/insight/themes/rename", "forged", &[("key", "printer"), ("label", "X")]).await;
        assert_eq!(status, 403);
        let tom = app.signed_in("tom@desk.example").await;
        let tom_csrf = tom.csrf("/insight/themes").await;
        for path in ["/insight/themes/rename", "/insight/themes/merge", "/insight/themes/reset"] {
            let (status, _, _) =
                post(&tom, path, &tom_csrf, &[("key", "printer"), ("label", "Mine"), ("into", "quick")]).await;
            assert_eq!(status, 404, "{path}");
        }

        // Undo: split the German theme off again, then drop the name.
        let (status, _, _) = post(&lead, "/insight/themes/reset", &csrf, &[("key", "druck")]).await;
        assert_eq!(status, 303);
        let (_, html) = lead.text("/insight/themes").await;
        assert!(row(&html, "Printing").contains("<td>3 "));
        assert!(row(&html, "Drucker").contains("<td>3 "));
        let (status, location, _) = post(&lead, "/insight/themes/reset", &csrf, &[("key", "printer")]).await;
        assert_eq!((status, location.as_str()), (303, "/insight/themes?saved=reset"));
        let (_, html) = lead.text("/insight/themes").await;
        assert!(row(&html, "Printer").contains("1 positive · 0 neutral · 2 negative"));
        assert!(!html.contains("<strong>Printing</strong>"));
        assert_eq!(app.count("SELECT COUNT(*) FROM theme_names").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'theme_reset'").await, 2);
    }
}
