//! Test harness: a real Rapport on a random port with a database of its own.
//! Every contract test runs twice, on SQLite and on PostgreSQL (`on_both_databases!`).

#![allow(dead_code)]

use rapport_domain::{ApiToken, Scope};
use rapport_mail::SmtpSink;
use rapport_server::worker::{Pass, Worker};
use rapport_server::{Application, Clock, Config};
use rapport_store::db::postgres::{create_database, drop_database};
use rapport_store::Store;
use serde_json::Value;

pub const START: i64 = 1_763_640_000_000; // 2025-11-20T12:00:00Z

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub clock: Clock,
    pub client: reqwest::Client,
    /// A real SMTP server on loopback that receives everything this app sends.
    pub smtp: SmtpSink,
    pub worker: Worker,
    _data_dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

/// The PostgreSQL server the tests use; each test creates a database of its own there.
pub fn postgres_admin_url() -> String {
    std::env::var("RAPPORT_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display());
        TestApp::start(dir, url, None).await
    }

    pub async fn postgres() -> TestApp {
        let name = fresh_postgres_database().await;
        let url = database_url(&name);
        TestApp::start(tempfile::tempdir().unwrap(), url, Some(name)).await
    }

    /// A second instance on the same database, as in a scale-out deployment.
    pub async fn another_instance(&self) -> TestApp {
        let url = match &self.postgres_database {
            Some(name) => database_url(name),
            None => format!("sqlite://{}?mode=rwc", self._data_dir.path().join("rapport.db").display()),
        };
        let mut app = TestApp::start(tempfile::tempdir().unwrap(), url, None).await;
        app.clock = self.clock.clone();
        app.worker = Worker::new(app.store.clone(), std::sync::Arc::new(self.config()), self.clock.clone()).unwrap();
        app
    }

    fn config(&self) -> Config {
        let mut config = Config::for_test(self._data_dir.path(), "");
        config.smtp_url = self.smtp.url();
        config.public_url = self.address.clone();
        config
    }

    /// Mail goes to the local mailbox folder (the default of a fresh install), not SMTP.
    pub async fn sqlite_with_mailbox() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display());
        TestApp::start_with(dir, url, None, false).await
    }

    async fn start(dir: tempfile::TempDir, url: String, postgres_database: Option<String>) -> TestApp {
        TestApp::start_with(dir, url, postgres_database, true).await
    }

    async fn start_with(
        dir: tempfile::TempDir,
        url: String,
        postgres_database: Option<String>,
        smtp_on: bool,
    ) -> TestApp {
        let store = Store::connect(&url).await.expect("connecting to the test database");
        store.migrate().await.expect("migrating the test database");
        let clock = Clock::manual(START);
        let smtp = SmtpSink::start().await;
        let mut config = Config::for_test(dir.path(), &url);
        if smtp_on {
            config.smtp_url = smtp.url();
        }
        let app = Application::build(config, store.clone(), clock.clone()).await.unwrap();
        let address = format!("http://{}", app.address());
        let worker = app.worker().unwrap();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            address,
            store,
            clock,
            client: reqwest::Client::new(),
            smtp,
            worker,
            _data_dir: dir,
            postgres_database,
        }
    }

    /// One pass of the background worker at the test clock's time.
    pub async fn run_worker(&self) -> Pass {
        self.worker.run_once().await.expect("a worker pass")
    }

    /// Moves the test clock forward by `minutes` and runs the worker.
    pub async fn after_minutes(&self, minutes: i64) -> Pass {
        self.clock.advance(minutes * 60_000);
        self.run_worker().await
    }

    /// A single number from the database, e.g. `SELECT COUNT(*) FROM responses`.
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.store.read(move |conn| conn.value(sql, &[])).await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn token(&self, scope: Scope) -> String {
        let token = ApiToken::generate();
        self.store.create_token("test", scope, &token.hash(), &token.display_prefix(), START).await.unwrap();
        token.secret
    }

    pub async fn post_event(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url("/api/v1/ticket-events")).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_database.take() {
            // On a thread of its own: the synchronous client must not run on the runtime.
            let _ = std::thread::spawn(move || drop_database(&postgres_admin_url(), &name)).join();
        }
    }
}

fn database_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
    format!("{base}/{name}")
}

async fn fresh_postgres_database() -> String {
    let name = format!("rapport_test_{}", rapport_domain::token::random_hex(8));
    let created = name.clone();
    tokio::task::spawn_blocking(move || create_database(&postgres_admin_url(), &created))
        .await
        .unwrap()
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL must answer at {} for the contract tests ({e}); set RAPPORT_TEST_DATABASE_URL",
                postgres_admin_url()
            )
        });
    name
}

/// Writes each test twice: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($app: $crate::support::TestApp) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { run($crate::support::TestApp::sqlite().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { run($crate::support::TestApp::postgres().await).await }
            }
        )*
    };
}

/// The example event, with the given id, status and time.
pub fn event(event_id: &str, external_id: &str, status: &str, occurred_at: &str) -> Value {
    serde_json::json!({
        "event_id": event_id,
        "source": "api",
        "occurred_at": occurred_at,
        "ticket": {
            "external_id": external_id,
            "title": "Printer on floor 3 jams",
            "status": status,
            "category": "Hardware",
            "priority": "3",
            "opened_at": "2026-11-19T09:00:00Z",
            "resolved_at": "2026-11-20T13:50:00Z",
            "closed_at": "2026-11-20T14:03:00Z",
            "requester": {"email": "ana@example.com", "name": "Ana Silva",
                          "organization": "Finance", "vip": false, "language": "pt"},
            "assignee": {"email": "tom@desk.example", "name": "Tom Berg"},
            "team": "Desktop Support"
        }
    })
}

/// A browser-like client for staff pages: keeps cookies, does not follow redirects
/// (so tests see them), signs in through the real form.
pub struct StaffClient {
    pub client: reqwest::Client,
    pub base: String,
}

pub const STAFF_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// A staff user with `STAFF_PASSWORD`; managers lead `teams` (by name).
    pub async fn staff_user(&self, role: rapport_store::StaffRole, email: &str, teams: &[&str]) -> i64 {
        let hash = rapport_domain::password::hash_password(STAFF_PASSWORD);
        let user =
            rapport_store::NewStaffUser { email, name: email, role, password_hash: &hash, must_change_password: false };
        let id = self.store.create_staff_user(&user, START).await.unwrap();
        let mut team_ids = Vec::new();
        for team in teams {
            let team = team.to_lowercase();
            let found: i64 = self
                .store
                .read(move |conn| conn.value("SELECT id FROM teams WHERE name_key = $1", rapport_store::params![team]))
                .await
                .unwrap();
            team_ids.push(found);
        }
        self.store.set_staff_teams(id, team_ids).await.unwrap();
        id
    }

    pub fn browser(&self) -> StaffClient {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        StaffClient { client, base: self.address.clone() }
    }

    pub async fn signed_in(&self, email: &str) -> StaffClient {
        let browser = self.browser();
        let response = browser.sign_in(email, STAFF_PASSWORD).await;
        assert_eq!(response.status(), 303, "signing in {email}");
        browser
    }
}

impl StaffClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// The value of the first hidden `csrf` field on a page.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.text(path).await;
        let at = html.find("name=\"csrf\" value=\"").expect("a form with a csrf field") + 19;
        html[at..].split('"').next().unwrap().to_string()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf("/sign-in").await;
        self.client
            .post(self.url("/sign-in"))
            .form(&[("email", email), ("password", password), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(form).send().await.unwrap()
    }
}

/// A closed ticket whose survey was answered: who handled it, for whom, and the answer.
/// Fields left empty take the defaults: Tom of Desktop Support, Finance, Hardware, English.
#[derive(Default)]
pub struct Answered<'a> {
    pub ticket: &'a str,
    pub agent: &'a str,
    pub team: &'a str,
    pub organization: &'a str,
    pub category: &'a str,
    pub score: &'a str,
    pub comment: &'a str,
    pub language: &'a str,
}

impl TestApp {
    /// Closes the ticket, lets the survey go out over SMTP, and answers it from the email's link.
    pub async fn answered(&self, a: Answered<'_>) {
        fn or<'v>(value: &'v str, default: &'v str) -> &'v str {
            if value.is_empty() {
                default
            } else {
                value
            }
        }
        let token = self.token(Scope::Ingest).await;
        let now = rapport_domain::time::from_millis(self.clock.now() - 60_000).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut body = event(&format!("close-{}", a.ticket), a.ticket, "closed", &now);
        body["ticket"]["assignee"]["email"] = or(a.agent, "tom@desk.example").into();
        body["ticket"]["team"] = or(a.team, "Desktop Support").into();
        body["ticket"]["category"] = or(a.category, "Hardware").into();
        body["ticket"]["requester"]["organization"] = or(a.organization, "Finance").into();
        body["ticket"]["requester"]["email"] = format!("{}@example.com", a.ticket.to_lowercase()).into();
        body["ticket"]["requester"]["language"] = or(a.language, "en").into();
        assert_eq!(self.post_event(&token, &body).await.status(), 200, "closing {}", a.ticket);
        let before = self.smtp.messages().len();
        self.after_minutes(61).await;
        let mail = self.smtp.wait_for(before + 1, std::time::Duration::from_secs(5)).await;
        let text = mail[before..]
            .iter()
            .filter_map(|m| rapport_mail::parse_message(&m.data).unwrap().text)
            .find(|t| t.contains("?score="))
            .expect("the survey email");
        let link = text.split_whitespace().find(|w| w.contains("?score=")).unwrap().split('?').next().unwrap();
        self.clock.advance(60_000);
        let form = [("score", a.score), ("comment", a.comment)];
        let response = self.client.post(link).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200, "answering {}", a.ticket);
    }
}
