//! The store tests' harness: a fresh database per test, on SQLite and on PostgreSQL.
//! PostgreSQL: the server at `RAPPORT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a database is created and dropped per test.

use rapport_store::db::postgres::{create_database, drop_database};
use rapport_store::Store;

pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    // After `store`: dropped once the store's connections are closing.
    _postgres: Option<PostgresDatabase>,
}

fn postgres_admin_url() -> String {
    std::env::var("RAPPORT_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        TestDb { store, _dir: Some(dir), _postgres: None }
    }

    pub async fn postgres() -> TestDb {
        let name = format!("rapport_bulk_{}", rapport_domain::token::random_hex(8));
        let created = name.clone();
        // The synchronous client must not run on the runtime's threads.
        tokio::task::spawn_blocking(move || create_database(&postgres_admin_url(), &created))
            .await
            .unwrap()
            .unwrap_or_else(|e| {
                panic!("PostgreSQL must answer at {} ({e}); set RAPPORT_TEST_DATABASE_URL", postgres_admin_url())
            });
        let database = PostgresDatabase(name);
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin);
        let store = Store::connect(&format!("{base}/{}", database.0)).await.unwrap();
        store.migrate().await.unwrap();
        TestDb { store, _dir: None, _postgres: Some(database) }
    }
}

/// A test's PostgreSQL database, dropped with it (even when the test fails).
struct PostgresDatabase(String);

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.0);
        // On a thread of its own: the synchronous client must not run on the runtime.
        let _ = std::thread::spawn(move || drop_database(&postgres_admin_url(), &name)).join();
    }
}

/// Writes each test twice: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($store:ident: &Store) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($store: &Store) $body
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                pub async fn sqlite() {
                    let db = $crate::common::TestDb::sqlite().await;
                    run(&db.store).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                pub async fn postgres() {
                    let db = $crate::common::TestDb::postgres().await;
                    run(&db.store).await
                }
            }
        )*
    };
}

/// How a test survey was sent: its attribution (as sent) and its times.
pub struct Sent<'a> {
    pub channel: &'a str,
    pub agent: Option<i64>,
    pub team: Option<i64>,
    pub category: Option<&'a str>,
    pub organization: Option<i64>,
    pub sent_at: i64,
    pub expires_at: i64,
}

/// Ticket `T<i>` of customer `c<i>@example.com`, surveyed under the default policy and sent
/// as `sent` says, with the link token `token-<i>`; answers the invitation's id.
#[allow(dead_code)] // Not every test file seeds invitations.
pub fn sent_invitation(conn: &mut dyn rapport_store::db::Conn, i: i64, sent: &Sent) -> rapport_store::Result<i64> {
    use rapport_store::params;
    let policy: i64 = conn.value("SELECT id FROM survey_policies WHERE is_default = 1", params![])?;
    let customer: i64 = conn.value(
        "INSERT INTO customers (email, seen_at, created_at) VALUES ($1, 0, 0) RETURNING id",
        params![format!("c{i}@example.com")],
    )?;
    let ticket: i64 = conn.value(
        "INSERT INTO tickets (source, external_id, status, customer_id, last_event_at, created_at, updated_at)
         VALUES ('api', $1, 'closed', $2, 0, 0, 0) RETURNING id",
        params![format!("T{i}"), customer],
    )?;
    let decision: i64 = conn.value(
        "INSERT INTO survey_decisions (ticket_id, cycle, policy_id, decision, reason, decided_at)
         VALUES ($1, 0, $2, 'invited', 'test', 0) RETURNING id",
        params![ticket, policy],
    )?;
    let invitation: i64 = conn.value(
        "INSERT INTO invitations (ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, sent_at,
             expires_at, agent_id, team_id, category, organization_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'sent', $6, $6, $7, $8, $9, $10, $11, $6, $6) RETURNING id",
        params![
            ticket,
            customer,
            policy,
            decision,
            sent.channel,
            sent.sent_at,
            sent.expires_at,
            sent.agent,
            sent.team,
            sent.category,
            sent.organization
        ],
    )?;
    conn.execute(
        "INSERT INTO invitation_tokens (token_hash, invitation_id, purpose, created_at) VALUES ($1, $2, 'test', 0)",
        params![rapport_domain::token::hash_secret(&format!("token-{i}")), invitation],
    )?;
    Ok(invitation)
}

/// `n` teams (`team<i>`) and `n` agents (`agent<i>@desk.example`): their ids, in order.
#[allow(dead_code)] // Not every test file seeds invitations.
pub fn teams_and_agents(
    conn: &mut dyn rapport_store::db::Conn,
    n: usize,
) -> rapport_store::Result<(Vec<i64>, Vec<i64>)> {
    use rapport_store::params;
    let (mut teams, mut agents) = (Vec::new(), Vec::new());
    for i in 0..n {
        teams.push(conn.value::<i64>(
            "INSERT INTO teams (name, name_key, created_at) VALUES ($1, $1, 0) RETURNING id",
            params![format!("team{i}")],
        )?);
        agents.push(conn.value::<i64>(
            "INSERT INTO agents (email, seen_at, created_at) VALUES ($1, 0, 0) RETURNING id",
            params![format!("agent{i}@desk.example")],
        )?);
    }
    Ok((teams, agents))
}
