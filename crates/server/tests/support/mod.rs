//! Test harness: a real Rapport on a random port with a database of its own.
//! Every contract test runs twice, on SQLite and on PostgreSQL (`on_both_databases!`).

#![allow(dead_code)]

use rapport_domain::{ApiToken, Scope};
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
    _data_dir: tempfile::TempDir,
    postgres_database: Option<String>,
}

/// The PostgreSQL server the tests use; each test creates a database of its own there.
pub fn postgres_admin_url() -> String {
    std::env::var("RAPPORT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("rapport.db").display()
        );
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
            None => format!(
                "sqlite://{}?mode=rwc",
                self._data_dir.path().join("rapport.db").display()
            ),
        };
        let store = Store::connect(&url).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let app = Application::build(
            Config::for_test(dir.path(), &url),
            store.clone(),
            self.clock.clone(),
        )
        .await
        .unwrap();
        let address = format!("http://{}", app.address());
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            address,
            store,
            clock: self.clock.clone(),
            client: reqwest::Client::new(),
            _data_dir: dir,
            postgres_database: None,
        }
    }

    async fn start(
        dir: tempfile::TempDir,
        url: String,
        postgres_database: Option<String>,
    ) -> TestApp {
        let store = Store::connect(&url)
            .await
            .expect("connecting to the test database");
        store.migrate().await.expect("migrating the test database");
        let clock = Clock::manual(START);
        let app = Application::build(
            Config::for_test(dir.path(), &url),
            store.clone(),
            clock.clone(),
        )
        .await
        .unwrap();
        let address = format!("http://{}", app.address());
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            address,
            store,
            clock,
            client: reqwest::Client::new(),
            _data_dir: dir,
            postgres_database,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn token(&self, scope: Scope) -> String {
        let token = ApiToken::generate();
        self.store
            .create_token("test", scope, &token.hash(), &token.display_prefix(), START)
            .await
            .unwrap();
        token.secret
    }

    pub async fn post_event(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/ticket-events"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
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
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
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
