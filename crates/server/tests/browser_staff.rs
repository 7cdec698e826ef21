//! The staff pages in a real browser (headless Chromium over WebDriver): an admin signs
//! in with the password `rapport serve` prints on first start, adds an agent, changes the
//! sample rate and signs out; the agent chooses a password and sees only their answers.
//! Script typed by customers shows as text and never runs. Screenshots of every staff
//! page, on a desktop and a phone, go to `target/screenshots/staff-*.png`.
//!
//! Needs `chromium` and `chromedriver`; `RAPPORT_SKIP_BROWSER_TESTS=1` skips.

mod browser_support;
mod support;

use browser_support::{Browser, JavaScript, DESKTOP};
use fantoccini::Locator;
use rapport_domain::{ApiToken, Scope};
use rapport_mail::parse_message;
use rapport_server::first_admin::{ensure_first_admin, FIRST_ADMIN_EMAIL};
use rapport_store::{NewStaffUser, StaffRole};
use serde_json::{json, Value};
use std::time::Duration;
use support::{event, TestApp, START};

/// Writes each browser test twice, `name::sqlite` and `name::postgres`; the browser
/// starts first, so a missing one fails (or skips) at once.
macro_rules! in_a_browser_on_both_databases {
    ($($name:ident: $scenario:ident;)*) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(browser) = Browser::start(JavaScript::On).await {
                        $scenario(TestApp::sqlite().await, browser).await
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(browser) = Browser::start(JavaScript::On).await {
                        $scenario(TestApp::postgres().await, browser).await
                    }
                }
            }
        )*
    };
}

in_a_browser_on_both_databases! {
    an_admin_adds_an_agent_changes_the_sample_rate_and_signs_out_and_the_agent_sees_only_their_answers:
        admin_adds_an_agent_then_the_agent_signs_in;
    script_in_comments_and_names_renders_as_text_and_never_runs:
        script_in_answers_stays_text;
}

/// The screenshots need one database only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_every_staff_page_on_a_desktop_and_a_phone() {
    if let Some(browser) = Browser::start(JavaScript::On).await {
        every_staff_page(TestApp::sqlite().await, browser).await
    }
}

async fn admin_adds_an_agent_then_the_agent_signs_in(app: TestApp, browser: Browser) {
    let ingest = app.token(Scope::Ingest).await;
    let mut alice = Answered::new("INC-A1", ("alice@desk.example", "Alice Martin"), "Printer on floor 3 jams");
    alice.comment = "Slow but friendly.";
    alice.score = 4;
    let mut bruno = Answered::new("INC-B1", ("bruno@desk.example", "Bruno Costa"), "VPN drops every hour");
    bruno.team = "Network";
    bruno.customer = "Jonas Weber";
    bruno.comment = "Nobody called me back.";
    let mine = answered_ticket(&app, &ingest, &alice).await;
    let theirs = answered_ticket(&app, &ingest, &bruno).await;
    // What `rapport serve` does on first start, printing the password.
    let password = ensure_first_admin(&app.store, app.clock.now()).await.unwrap().expect("a first admin is created");

    browser.size(DESKTOP).await;
    sign_in(&browser, &app, FIRST_ADMIN_EMAIL, &password).await;
    browser.wait_for_path("/").await;
    let home = browser.main_text().await;
    assert!(home.contains("INC-A1") && home.contains("INC-B1"), "an admin sees every answer:\n{home}");

    // Settings › Users and teams: add Alice as an agent.
    browser.open(&app.url("/settings/users")).await;
    browser.fill("#new-email", "alice@desk.example").await;
    browser.fill("#new-name", "Alice Martin").await;
    browser.click("input[name=role][value=agent]").await;
    browser.click("section.new-user button[type=submit]").await;
    let temporary = browser.wait_for("code.temp-password").await.text().await.unwrap();
    assert!(temporary.trim().len() >= 12, "a temporary password: {temporary:?}");
    let notice = browser.text(".user-notice").await.unwrap().unwrap_or_default();
    assert!(notice.contains("Added Alice Martin (alice@desk.example) as agent."), "{notice}");
    let row =
        xpath_text(&browser, "//table[contains(@class,'users-table')]//tr[td[normalize-space()='alice@desk.example']]")
            .await;
    assert!(row.contains("agent") && row.contains("must change password"), "{row}");

    // Settings › Survey policies: the default policy asks 30 % of tickets.
    browser.open(&app.url("/settings/policies")).await;
    let default_link =
        "//table[contains(@class,'policies')]//tr[.//span[@class='tag' and normalize-space()='default']]//a";
    let link = browser.client.find(Locator::XPath(default_link)).await.expect("the default policy's link");
    let href = link.attr("href").await.unwrap().expect("a link");
    link.click().await.unwrap();
    browser.wait_for_path(&href).await;
    let sample = browser.find("#sample_percent").await.prop("value").await.unwrap();
    assert_eq!(sample.as_deref(), Some("100"), "a new desk asks every ticket");
    let label = browser.find("label[for=sample_percent]").await.text().await.unwrap();
    assert_eq!(label, "Sample rate (%)");
    browser.fill("#sample_percent", "30").await;
    browser.click("form.policy-form > button[type=submit]").await;
    browser.wait_for_path("/settings/policies").await;
    let notice = browser.wait_for("p.notice").await.text().await.unwrap();
    assert!(notice.contains("saved"), "{notice}");
    let shown = xpath_text(&browser, &format!("{}/ancestor::tr/td[@data-label='Sample']", default_link)).await;
    assert_eq!(shown, "30%");
    let admin = app.token(Scope::Admin).await;
    let (status, body) = app.get_json(&admin, "/api/v1/survey-policies").await;
    assert_eq!(status, 200, "{body}");
    let policies = body["policies"].as_array().expect("policies");
    let default = policies.iter().find(|p| p["is_default"] == true).expect("the default policy");
    assert_eq!(default["sample_percent"].as_f64(), Some(30.0), "{default}");

    // Sign out: the session ends, pages ask to sign in again.
    browser.click(".topbar .who button[type=submit]").await;
    browser.wait_for_path("/sign-in").await;
    browser.open(&app.url("/answers")).await;
    assert_eq!(browser.path().await, "/sign-in", "signed out: pages need a session again");

    // Alice signs in with the temporary password and must choose her own first.
    sign_in(&browser, &app, "alice@desk.example", &temporary).await;
    browser.wait_for_path("/account/password").await;
    browser.open(&app.url("/answers")).await;
    assert_eq!(browser.path().await, "/account/password", "no page before a new password");
    let new_password = "Alice's own long passphrase";
    browser.fill("#current", &temporary).await;
    browser.fill("#new", new_password).await;
    browser.fill("#repeat", new_password).await;
    browser.click("form[action='/account/password'] button[type=submit]").await;
    browser.wait_for_path("/").await;
    let who = browser.text(".topbar .who").await.unwrap().unwrap_or_default();
    assert!(who.contains("Alice Martin") && who.contains("agent"), "{who}");
    let nav = browser.text(".topbar nav").await.unwrap().unwrap_or_default();
    assert!(!nav.contains("Settings") && !nav.contains("Audit"), "an agent has no admin pages: {nav}");
    let home = browser.main_text().await;
    assert!(home.contains("INC-A1") && home.contains("Slow but friendly."), "{home}");
    assert!(!home.contains("INC-B1") && !home.contains("Nobody called me back."), "{home}");

    browser.open(&app.url("/answers")).await;
    let rows = browser.client.find_all(Locator::Css("main table.data tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "one answer:\n{}", browser.main_text().await);
    // The list of answers (the filters above it still offer every team and agent of the
    // desk: a known gap, reported, not checked here).
    let answers = browser.text("main table.data").await.unwrap().unwrap_or_default();
    assert!(answers.contains("INC-A1") && answers.contains("Slow but friendly."), "{answers}");
    assert!(!answers.contains("INC-B1") && !answers.contains("Nobody called me back."), "{answers}");
    assert!(!answers.contains("Jonas Weber") && !answers.contains("Bruno Costa"), "{answers}");

    browser.open(&app.url(&format!("/tickets/{mine}"))).await;
    assert!(browser.main_text().await.contains("Slow but friendly."), "her own ticket");
    browser.open(&app.url(&format!("/tickets/{theirs}"))).await;
    let other = browser.main_text().await;
    assert!(!other.contains("Nobody called me back.") && !other.contains("Jonas Weber"), "{other}");

    // She signs out; the old temporary password no longer works, her own does.
    browser.open(&app.url("/")).await;
    browser.click(".topbar .who button[type=submit]").await;
    browser.wait_for_path("/sign-in").await;
    sign_in(&browser, &app, "alice@desk.example", &temporary).await;
    let refused = browser.wait_for("p.error").await.text().await.unwrap();
    assert_eq!(refused, "The email or password is not right.");
    sign_in(&browser, &app, "alice@desk.example", new_password).await;
    browser.wait_for_path("/").await;
    browser.close().await;
}

const PAYLOAD: &str = r#"<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>"#;

async fn script_in_answers_stays_text(app: TestApp, browser: Browser) {
    let ingest = app.token(Scope::Ingest).await;
    let mut ticket = Answered::new("INC-X1", ("alice@desk.example", PAYLOAD), PAYLOAD);
    ticket.customer = PAYLOAD;
    ticket.comment = PAYLOAD;
    let id = answered_ticket(&app, &ingest, &ticket).await;
    let password = ensure_first_admin(&app.store, app.clock.now()).await.unwrap().expect("a first admin is created");

    browser.size(DESKTOP).await;
    sign_in(&browser, &app, FIRST_ADMIN_EMAIL, &password).await;
    browser.wait_for_path("/").await;
    let pages = [
        ("/".to_string(), "Home · Rapport".to_string()),
        ("/answers".into(), "Answers · Rapport".into()),
        ("/tickets".into(), "Tickets · Rapport".into()),
        (format!("/tickets/{id}"), format!("INC-X1 {PAYLOAD} · Rapport")),
    ];
    for (path, title) in pages {
        browser.open(&app.url(&path)).await;
        // An injected <img src=x> fails to load a moment later; give its handler time.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(browser.alert_text().await, None, "an alert was raised on {path}");
        let shown = browser.execute("return document.title").await;
        assert_ne!(shown, "pwned", "the payload ran on {path}");
        assert_eq!(shown.as_str(), Some(title.as_str()), "the title on {path}");
        // Never parsed into elements (the Content-Security-Policy would also stop them
        // running; this checks the escaping itself).
        let injected = browser
            .execute(
                "return document.querySelectorAll('img[src=\"x\"], [onerror]').length \
                 + Array.from(document.scripts).filter(s => s.textContent.includes('pwned')).length",
            )
            .await;
        assert_eq!(injected, 0, "the payload became elements on {path}");
        // Shown as text, in full.
        let text = browser.main_text().await;
        assert!(text.contains(PAYLOAD), "the payload is not shown as text on {path}:\n{text}");
        let holders = browser
            .client
            .find_all(Locator::XPath("//main//*[not(self::option)][contains(text(), '<script>')]"))
            .await
            .unwrap();
        assert!(!holders.is_empty(), "no element holds the text <script> on {path}");
        for holder in holders {
            let content = holder.prop("textContent").await.unwrap().unwrap_or_default();
            assert!(content.contains("<script>document.title='pwned'</script>"), "{path}: {content}");
            assert!(holder.is_displayed().await.unwrap(), "{path}: the text is visible");
        }
    }
    browser.close().await;
}

/// A desk with some history, then every staff page, photographed.
async fn every_staff_page(app: TestApp, browser: Browser) {
    // First, as on a new desk: `rapport serve` creates the admin and prints the password.
    let password = ensure_first_admin(&app.store, app.clock.now()).await.unwrap().expect("a first admin is created");
    let ingest = named_token(&app, "ServiceNow", Scope::Ingest).await;
    named_token(&app, "Power BI dashboard", Scope::Read).await;
    let admin = named_token(&app, "Provisioning script", Scope::Admin).await;
    let answered = [
        ("INC-1042", ("alice@desk.example", "Alice Martin"), "Desktop Support", "VPN drops every 20 minutes",
         "Priya Natarajan", 5, "Fixed in one call, thank you!"),
        ("INC-1043", ("bruno@desk.example", "Bruno Costa"), "Network", "Outlook keeps asking for my password",
         "Jonas Weber", 2,
         "It took three days and two reassignments before anyone looked at it. The fix worked, but nobody told me \
          it was done — I only found out by trying again."),
        ("INC-1044", ("alice@desk.example", "Alice Martin"), "Desktop Support", "New laptop for onboarding",
         "Marie-Claire Dubois-Lefèvre", 4, ""),
        ("INC-1045", ("chen@desk.example", "Chen Wei"), "Service Desk", "Shared drive \\\\fs01\\finance not mapped",
         "Ahmed El-Sayed", 3,
         "See https://intranet.example.com/it/knowledge-base/articles/mapping-network-drives-on-windows-11-with-group-policy-preferences-and-login-scripts"),
        ("INC-1046", ("bruno@desk.example", "Bruno Costa"), "Network", "Wi-Fi in meeting room 4.12 is slow",
         "Olivia Brown", 1, "Still slow."),
    ];
    let mut ids = Vec::new();
    for (external_id, agent, team, title, customer, score, comment) in answered {
        let mut ticket = Answered::new(external_id, agent, title);
        (ticket.team, ticket.customer, ticket.score, ticket.comment) = (team, customer, score, comment);
        ticket.history = true;
        ids.push(answered_ticket(&app, &ingest, &ticket).await);
    }
    let mut open = event("open-INC-1047", "INC-1047", "open", "2026-11-21T08:30:00Z");
    open["ticket"]["title"] = "Monitor flickers after docking".into();
    assert_eq!(app.post_event(&ingest, &open).await.status(), 200);
    let vip = json!({"name": "Executive office", "scope": {"organization": "Executive Office"}, "sample_percent": 100,
                     "cooldown_days": 0});
    let created = app.client.post(app.url("/api/v1/survey-policies")).bearer_auth(&admin).json(&vip).send().await;
    assert!(created.unwrap().status().is_success());
    for (email, name, role) in [
        ("lena@desk.example", "Lena Fischer", StaffRole::Manager),
        ("bruno@desk.example", "Bruno Costa", StaffRole::Agent),
        ("old.account@desk.example", "Former Colleague", StaffRole::Agent),
    ] {
        let hash = rapport_domain::password::hash_password(support::STAFF_PASSWORD);
        let user = NewStaffUser { email, name, role, password_hash: &hash, must_change_password: false };
        let id = app.store.create_staff_user(&user, START).await.unwrap();
        if role == StaffRole::Manager {
            let desktop: i64 = app
                .store
                .read(|conn| conn.value("SELECT id FROM teams WHERE name_key = 'desktop support'", &[]))
                .await
                .unwrap();
            app.store.set_staff_teams(id, vec![desktop]).await.unwrap();
        }
        if email.starts_with("old.") {
            app.store.disable_staff_user(id, START).await.unwrap();
        }
    }
    browser.size(DESKTOP).await;
    browser.open(&app.url("/sign-in")).await;
    browser.screenshots("staff-sign-in").await;
    sign_in(&browser, &app, FIRST_ADMIN_EMAIL, "not the password").await;
    browser.wait_for("p.error").await;
    browser.screenshots("staff-sign-in-error").await;
    sign_in(&browser, &app, FIRST_ADMIN_EMAIL, &password).await;
    browser.wait_for_path("/").await;
    browser.screenshots("staff-home").await;
    let alice: i64 = app
        .store
        .read(|conn| conn.value("SELECT id FROM agents WHERE email = 'alice@desk.example'", &[]))
        .await
        .unwrap();
    let pages = [
        ("/tickets".to_string(), "staff-tickets"),
        (format!("/tickets/{}", ids[1]), "staff-ticket"),
        ("/answers".into(), "staff-answers"),
        ("/dashboard".into(), "staff-dashboard"),
        ("/dashboard?period=year".into(), "staff-dashboard-year"),
        ("/insight/benchmarks".into(), "staff-benchmarks"),
        ("/insight/priorities".into(), "staff-priorities"),
        ("/insight/themes?min=1".into(), "staff-themes"),
        ("/coaching".into(), "staff-coaching"),
        (format!("/coaching/{alice}"), "staff-coaching-person"),
        ("/reports?month=2025-11".into(), "staff-reports"),
        ("/follow-ups?queue=team".into(), "staff-follow-ups"),
        ("/visits".into(), "staff-visits"),
        ("/settings".into(), "staff-settings"),
        ("/settings/alerts".into(), "staff-settings-alerts"),
        ("/settings/policies".into(), "staff-policies"),
        ("/settings/policies/new".into(), "staff-policy-new"),
        ("/settings/users".into(), "staff-users"),
        ("/settings/tokens".into(), "staff-tokens"),
        ("/mailbox".into(), "staff-mailbox"),
    ];
    for (path, name) in pages {
        browser.open(&app.url(&path)).await;
        assert_eq!(browser.path().await, path.split('?').next().unwrap());
        browser.screenshots(name).await;
    }
    // The default policy's form.
    browser.open(&app.url("/settings/policies")).await;
    browser.click("table.policies tbody tr:first-child a").await;
    browser.wait_for("form.policy-form").await;
    browser.screenshots("staff-policy").await;
    // A policy form with a mistake.
    browser.fill("#sample_percent", "150").await;
    browser.click("form.policy-form > button[type=submit]").await;
    browser.wait_for("#problems").await;
    browser.screenshots("staff-policy-error").await;
    // A user added: the temporary password is shown once.
    browser.open(&app.url("/settings/users")).await;
    browser.fill("#new-email", "alice@desk.example").await;
    browser.fill("#new-name", "Alice Martin").await;
    browser.click("section.new-user button[type=submit]").await;
    let temporary = browser.wait_for("code.temp-password").await.text().await.unwrap();
    browser.screenshots("staff-users-created").await;
    // A token created: its secret is shown once.
    browser.open(&app.url("/settings/tokens")).await;
    browser.fill("form[action='/settings/tokens'] input[name=name]", "Jira Service Management").await;
    browser.click("form[action='/settings/tokens'] button[type=submit]").await;
    browser.wait_for("main .notice code.secret").await;
    browser.screenshots("staff-tokens-created").await;
    // A page that is not there (or not for this person).
    browser.open(&app.url("/tickets/999999")).await;
    browser.screenshots("staff-not-found").await;
    // Last, so that it lists what was done above.
    browser.open(&app.url("/audit")).await;
    browser.screenshots("staff-audit").await;

    // The new user's first sign-in.
    browser.click(".topbar .who button[type=submit]").await;
    browser.wait_for_path("/sign-in").await;
    sign_in(&browser, &app, "alice@desk.example", &temporary).await;
    browser.wait_for_path("/account/password").await;
    browser.screenshots("staff-password").await;
    browser.fill("#current", &temporary).await;
    // Two passwords that differ: the server's message.
    browser.fill("#new", "a long enough passphrase").await;
    browser.fill("#repeat", "another long passphrase").await;
    browser.click("form[action='/account/password'] button[type=submit]").await;
    browser.wait_for("p.error").await;
    browser.screenshots("staff-password-error").await;
    browser.fill("#current", &temporary).await;
    browser.fill("#new", "a long enough passphrase").await;
    browser.fill("#repeat", "a long enough passphrase").await;
    browser.click("form[action='/account/password'] button[type=submit]").await;
    browser.wait_for_path("/").await;
    browser.screenshots("staff-home-agent").await;
    browser.close().await;
}

/// Fills in and sends the sign-in form (from a fresh page).
async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.open(&app.url("/sign-in")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("form[action='/sign-in'] button[type=submit]").await;
}

/// The shown text of the element `xpath` finds.
async fn xpath_text(browser: &Browser, xpath: &str) -> String {
    let element = browser.client.find(Locator::XPath(xpath)).await.unwrap_or_else(|e| panic!("{xpath}: {e}"));
    element.text().await.unwrap().trim().to_string()
}

async fn named_token(app: &TestApp, name: &str, scope: Scope) -> String {
    let token = ApiToken::generate();
    app.store.create_token(name, scope, &token.hash(), &token.display_prefix(), START).await.unwrap();
    token.secret
}

/// A ticket closed for one customer, surveyed and answered.
struct Answered<'a> {
    external_id: &'a str,
    /// (email, name)
    agent: (&'a str, &'a str),
    title: &'a str,
    team: &'a str,
    customer: &'a str,
    score: u8,
    comment: &'a str,
    /// An `open` event first, so that the ticket has a history.
    history: bool,
}

impl<'a> Answered<'a> {
    fn new(external_id: &'a str, agent: (&'a str, &'a str), title: &'a str) -> Answered<'a> {
        Answered {
            external_id,
            agent,
            title,
            team: "Desktop Support",
            customer: "Ana Silva",
            score: 2,
            comment: "",
            history: false,
        }
    }
}

/// Sends the ticket's events, lets the survey go out and answers it as the customer
/// would. Answers the ticket's id.
async fn answered_ticket(app: &TestApp, ingest: &str, t: &Answered<'_>) -> i64 {
    let id = t.external_id;
    let with_details = |mut body: Value| {
        let ticket = &mut body["ticket"];
        ticket["title"] = t.title.into();
        ticket["assignee"] = json!({"email": t.agent.0, "name": t.agent.1});
        ticket["team"] = t.team.into();
        ticket["requester"]["email"] = format!("{}@example.com", id.to_lowercase()).into();
        ticket["requester"]["name"] = t.customer.into();
        ticket["requester"]["language"] = "en".into();
        body
    };
    if t.history {
        let open = with_details(event(&format!("open-{id}"), id, "open", "2026-11-20T09:12:00Z"));
        assert_eq!(app.post_event(ingest, &open).await.status(), 200, "opening {id}");
    }
    let closed = with_details(event(&format!("close-{id}"), id, "closed", "2026-11-20T14:03:00Z"));
    let answer: Value = app.post_event(ingest, &closed).await.json().await.unwrap();
    let ticket = answer["ticket_id"].as_i64().unwrap_or_else(|| panic!("a ticket id in {answer}"));
    let before = app.smtp.messages().len();
    app.after_minutes(61).await;
    let mail = app.smtp.wait_for(before + 1, Duration::from_secs(10)).await;
    let suffix = format!("?score={}", t.score);
    // Other mail may arrive too (an earlier answer's follow-up): take the survey.
    let text = mail[before..]
        .iter()
        .filter_map(|m| parse_message(&m.data).unwrap().text)
        .find(|text| text.contains(&suffix))
        .unwrap_or_else(|| panic!("no survey email among {} new messages", mail.len() - before));
    let link = text
        .split_whitespace()
        .find(|w| w.ends_with(&suffix))
        .unwrap_or_else(|| panic!("a link for {suffix} in:\n{text}"))
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // A person answers a few minutes later (seconds after sending looks automated).
    app.clock.advance(5 * 60_000);
    let score = t.score.to_string();
    let saved = app.client.post(link).form(&[("score", score.as_str()), ("comment", t.comment)]).send().await.unwrap();
    assert_eq!(saved.status(), 200, "answering {id}");
    ticket
}
