//! `dashboard`: the main dashboard's data queries (a year's trend per day, the table per team
//! and per agent, the period's totals, and the same with a team filter) read from the
//! rollups, against the same aggregations scanning the raw answers, at a given number of
//! answers. The answers (and the invitations they answer) are generated in the database
//! itself (a recursive CTE on SQLite, `generate_series` on PostgreSQL) into a throwaway
//! database, so 10 million rows take minutes, not hours.

use rapport_store::db::Conn;
use rapport_store::rollups::{self, Dimension, Filter};
use rapport_store::visibility::Visibility;
use rapport_store::{params, Backend, Store};
use std::time::Instant;

const DAY: i64 = 86_400_000;
/// The generated year ends here (2026-11-01).
const END: i64 = 1_793_491_200_000;

/// Answers spread over a year, 8 teams × 40 agents, 6 categories, 30 organizations, 2 channels.
const INVITATIONS_SQLITE: &str = "
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
    INSERT INTO invitations (id, ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, created_at,
        updated_at)
    SELECT i, 1, 1, $2, $3, 'email', 'answered', 0, 0, 0 FROM n";

const INVITATIONS_POSTGRES: &str = "
    INSERT INTO invitations (id, ticket_id, customer_id, policy_id, decision_id, channel, state, send_at, created_at,
        updated_at) OVERRIDING SYSTEM VALUE
    SELECT i, 1, 1, $2, $3, 'email', 'answered', 0, 0, 0 FROM generate_series(1, CAST($1 AS BIGINT)) AS i";

/// The rows the answers point at: one customer, ticket and decision (with explicit ids:
/// the generated rows refer to them by number). `{o}` is PostgreSQL's OVERRIDING SYSTEM VALUE.
const PEOPLE: &str = "
    INSERT INTO customers (id, email, seen_at, created_at) {o} VALUES (1, 'bench@example.com', 0, 0);
    INSERT INTO tickets (id, source, external_id, status, customer_id, last_event_at, created_at, updated_at) {o}
        VALUES (1, 'bench', 'B1', 'closed', 1, 0, 0, 0);
    INSERT INTO survey_decisions (id, ticket_id, cycle, decision, reason, decided_at) {o}
        VALUES (1, 1, 0, 'invited', 'benchmark', 0);";

const GENERATE_SQLITE: &str = "
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
    INSERT INTO responses (invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
        automated, agent_id, team_id, category, organization_id, first_answered_at, updated_at, changes)
    SELECT i, 1, 1, CASE WHEN i % 9 = 0 THEN 'visit_card' ELSE 'email' END,
        CASE WHEN i % 10 < 6 THEN 5 WHEN i % 10 < 8 THEN 4 ELSE 1 + i % 3 END,
        CASE WHEN i % 4 = 0 THEN i % 11 END, NULL, CASE WHEN i % 5 = 0 THEN 'ok' END, '[]',
        CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 1 + i % 40, 1 + i % 8, 'cat' || (i % 6), 1 + i % 30,
        $2 - (i * 7919 % 365) * 86400000 - i % 86400000, $2, 0
    FROM n";

const GENERATE_POSTGRES: &str = "
    INSERT INTO responses (invitation_id, ticket_id, customer_id, channel, csat, nps, effort, comment, reasons,
        automated, agent_id, team_id, category, organization_id, first_answered_at, updated_at, changes)
    SELECT i, 1, 1, CASE WHEN i % 9 = 0 THEN 'visit_card' ELSE 'email' END,
        CASE WHEN i % 10 < 6 THEN 5 WHEN i % 10 < 8 THEN 4 ELSE 1 + i % 3 END,
        CASE WHEN i % 4 = 0 THEN i % 11 END, NULL, CASE WHEN i % 5 = 0 THEN 'ok' END, '[]',
        CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, 1 + i % 40, 1 + i % 8, 'cat' || (i % 6), 1 + i % 30,
        $2 - (i * 7919 % 365) * 86400000 - i % 86400000, $2, 0
    FROM generate_series(1, CAST($1 AS BIGINT)) AS i";

/// The dashboard's aggregations done the slow way, on the answers themselves.
const RAW_PER_DAY: &str = "SELECT first_answered_at / 86400000, COUNT(*), SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END),
        SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END)
    FROM responses WHERE automated = 0 AND first_answered_at >= $1 AND first_answered_at < $2
    GROUP BY first_answered_at / 86400000";
const RAW_PER_TEAM: &str = "SELECT team_id, COUNT(*), SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END)
    FROM responses WHERE automated = 0 AND first_answered_at >= $1 AND first_answered_at < $2 GROUP BY team_id";
const RAW_PER_AGENT: &str = "SELECT agent_id, COUNT(*), SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END)
    FROM responses WHERE automated = 0 AND first_answered_at >= $1 AND first_answered_at < $2 GROUP BY agent_id";
const RAW_TEAM_TREND: &str = "SELECT first_answered_at / 86400000, COUNT(*), SUM(CASE WHEN csat >= 4 THEN 1 ELSE 0 END)
    FROM responses WHERE automated = 0 AND team_id = 3 AND first_answered_at >= $1 AND first_answered_at < $2
    GROUP BY first_answered_at / 86400000";

/// Fills the database (if it has fewer answers) and prints the timings.
pub async fn run(database_url: &str, answers: i64, repeats: usize) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    store.ensure_defaults(END).await?;
    let backend = store.backend();
    let existing: i64 = store.read(|conn| conn.value("SELECT COUNT(*) FROM responses", params![])).await?;
    if existing != answers {
        let started = Instant::now();
        store
            .write(move |conn| {
                for table in [
                    "answer_rollups",
                    "response_changes",
                    "responses",
                    "invitations",
                    "survey_decisions",
                    "tickets",
                    "customers",
                    "agents",
                    "teams",
                    "organizations",
                ] {
                    // Table names from this fixed list only.
                    conn.batch(&format!("DELETE FROM {table}"))?;
                }
                let overriding = if backend == Backend::Postgres { "OVERRIDING SYSTEM VALUE" } else { "" };
                conn.batch(&PEOPLE.replace("{o}", overriding))?;
                for i in 1..=40i64 {
                    let sql = format!(
                        "INSERT INTO agents (id, email, seen_at, created_at) {overriding} VALUES ($1, $2, 0, 0)"
                    );
                    conn.execute(&sql, params![i, format!("agent{i}@desk.example")])?;
                }
                for (table, count) in [("teams", 8i64), ("organizations", 30)] {
                    for i in 1..=count {
                        let sql = format!(
                            "INSERT INTO {table} (id, name, name_key, created_at) {overriding} VALUES ($1, $2, $2, 0)"
                        );
                        conn.execute(&sql, params![i, format!("{table}{i}")])?;
                    }
                }
                let policy: i64 = conn.value("SELECT MIN(id) FROM survey_policies", params![])?;
                let invitations = if backend == Backend::Postgres { INVITATIONS_POSTGRES } else { INVITATIONS_SQLITE };
                conn.execute(invitations, params![answers, policy, 1i64])?;
                let sql = if backend == Backend::Postgres { GENERATE_POSTGRES } else { GENERATE_SQLITE };
                conn.execute(sql, params![answers, END])?;
                rollups::rebuild(conn).map(drop)
            })
            .await?;
        if backend == Backend::Postgres {
            store.write(|conn| conn.batch("ANALYZE responses; ANALYZE answer_rollups")).await?;
        }
        eprintln!("generated {answers} answers and their rollups in {:.1?}", started.elapsed());
    }
    let rows: i64 = store.read(|conn| conn.value("SELECT COUNT(*) FROM answer_rollups", params![])).await?;
    let (from, to) = (END - 365 * DAY, END);
    let (from_day, to_day) = (from / DAY, to / DAY);
    let rollup = time(&store, repeats, move |conn| {
        let everything = Visibility::everything();
        let all = Filter::default();
        let team = Filter { team_id: Some(3), ..Filter::default() };
        rollups::per_day(conn, &all, &everything, from_day, to_day)?;
        rollups::per_dimension(conn, &all, &everything, from_day, to_day, Dimension::Team)?;
        rollups::per_dimension(conn, &all, &everything, from_day, to_day, Dimension::Agent)?;
        rollups::per_day(conn, &team, &everything, from_day, to_day)?;
        Ok(())
    })
    .await?;
    let raw = time(&store, repeats, move |conn| {
        for sql in [RAW_PER_DAY, RAW_PER_TEAM, RAW_PER_AGENT, RAW_TEAM_TREND] {
            conn.query(sql, params![from, to])?;
        }
        Ok(())
    })
    .await?;
    let name = if backend == Backend::Postgres { "postgres" } else { "sqlite" };
    println!(
        "{name} answers={answers} rollup_rows={rows} dashboard_from_rollups_p50_ms={:.2} p95_ms={:.2} \
         same_from_raw_answers_p50_ms={:.2} p95_ms={:.2} speedup={:.0}x",
        rollup.0,
        rollup.1,
        raw.0,
        raw.1,
        raw.0 / rollup.0.max(0.001)
    );
    Ok(())
}

/// p50 and p95 in milliseconds of `repeats` runs of `work` (one warm-up run first).
async fn time<F>(store: &Store, repeats: usize, work: F) -> anyhow::Result<(f64, f64)>
where
    F: Fn(&mut dyn Conn) -> rapport_store::Result<()> + Send + Sync + Clone + 'static,
{
    let mut times = Vec::with_capacity(repeats);
    for round in 0..=repeats {
        let work = work.clone();
        let started = Instant::now();
        store.read(move |conn| work(conn)).await?;
        if round > 0 {
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.95)))
}
