//! `Store::import_batch`, the bulk path of the CSV import, on SQLite and on PostgreSQL: each
//! test runs twice (`name::sqlite`, `name::postgres`), each on a fresh database.
//! PostgreSQL: the server at `RAPPORT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a database is created and dropped per test.

use rapport_domain::event::{Assignee, Requester, TicketData, TicketEvent};
use rapport_domain::time::Millis;
use rapport_domain::{Email, TicketStatus};
use rapport_store::bulk::ImportOutcome::{self, Created, Stale, Unchanged, Updated};
use rapport_store::bulk::DEFERRED_INDEXES;
use rapport_store::db::Row;
use rapport_store::Store;
use TicketStatus::{Closed, New, Open, Pending, Resolved};

const NOW: Millis = 1_800_000_000_000;
const HOUR: Millis = 3_600_000;
const T0: Millis = 1_760_000_000_000;

fn at(hours: i64) -> Millis {
    T0 + hours * HOUR
}

mod common;

// ---------------------------------------------------------------------------------------
// Events and queries

/// A row of an export: ticket `ticket` in `status` at `occurred_at`, requested by Ana of
/// Finance, assigned to Tom of Desktop Support.
fn row(ticket: &str, status: TicketStatus, occurred_at: Millis) -> TicketEvent {
    TicketEvent {
        event_id: format!("csv-{ticket}-{}-{occurred_at}", status.as_str()),
        source: "import".into(),
        occurred_at,
        ticket: TicketData {
            external_id: ticket.into(),
            title: Some(format!("Ticket {ticket}")),
            status,
            category: Some("Hardware".into()),
            priority: Some("3".into()),
            opened_at: Some(T0),
            resolved_at: None,
            closed_at: status.is_done().then_some(occurred_at),
            requester: Some(Requester {
                email: Email::parse("ana@example.com").unwrap(),
                name: Some("Ana Silva".into()),
                organization: Some("Finance".into()),
                vip: Some(false),
                language: Some("pt".into()),
            }),
            assignee: Some(Assignee {
                email: Email::parse("tom@desk.example").unwrap(),
                name: Some("Tom Berg".into()),
            }),
            team: Some("Desktop Support".into()),
            message_id: None,
        },
    }
}

async fn import(store: &Store, events: &[TicketEvent]) -> Vec<ImportOutcome> {
    store.import_batch(events, NOW).await.unwrap()
}

async fn rows(store: &Store, sql: &str) -> Vec<Row> {
    let sql = sql.to_string();
    store.read(move |conn| conn.query(&sql, &[])).await.unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    let sql = sql.to_string();
    store.read(move |conn| conn.value(&sql, &[])).await.unwrap()
}

/// (status, last_event_at) of a ticket.
async fn ticket(store: &Store, source: &str, external_id: &str) -> (String, Millis) {
    let (source, external_id) = (source.to_string(), external_id.to_string());
    let row = store
        .read(move |conn| {
            conn.query_one(
                "SELECT status, last_event_at FROM tickets WHERE source = $1 AND external_id = $2",
                rapport_store::params![source, external_id],
            )
        })
        .await
        .unwrap();
    (row.get(0).unwrap(), row.get(1).unwrap())
}

/// A ticket's history: (from, to, occurred_at, applied), in order.
async fn history(store: &Store, source: &str, external_id: &str) -> Vec<(Option<String>, String, Millis, bool)> {
    let (source, external_id) = (source.to_string(), external_id.to_string());
    let rows = store
        .read(move |conn| {
            conn.query(
                "SELECT h.from_status, h.to_status, h.occurred_at, h.applied FROM ticket_history h
                 JOIN tickets t ON t.id = h.ticket_id WHERE t.source = $1 AND t.external_id = $2 ORDER BY h.id",
                rapport_store::params![source, external_id],
            )
        })
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap(), r.get(3).unwrap())).collect()
}

fn step(from: Option<&str>, to: &str, occurred_at: Millis, applied: bool) -> (Option<String>, String, Millis, bool) {
    (from.map(str::to_string), to.to_string(), occurred_at, applied)
}

/// Every row of the tables an import writes.
async fn snapshot(store: &Store) -> Vec<Vec<Row>> {
    let mut all = Vec::new();
    for sql in [
        "SELECT * FROM tickets ORDER BY id",
        "SELECT * FROM ticket_history ORDER BY id",
        "SELECT * FROM customers ORDER BY id",
        "SELECT * FROM agents ORDER BY id",
        "SELECT * FROM organizations ORDER BY id",
        "SELECT * FROM teams ORDER BY id",
        "SELECT * FROM ticket_events ORDER BY id",
    ] {
        all.push(rows(store, sql).await);
    }
    all
}

/// Fails with the rows that differ, table by table.
fn assert_same(before: &[Vec<Row>], after: &[Vec<Row>]) {
    for (table, (b, a)) in before.iter().zip(after).enumerate() {
        let gone: Vec<&Row> = b.iter().filter(|r| !a.contains(r)).collect();
        let new: Vec<&Row> = a.iter().filter(|r| !b.contains(r)).collect();
        assert!(gone.is_empty() && new.is_empty(), "table #{table}: before {gone:?}, after {new:?}");
    }
}

/// A few hundred rows over 150 tickets, statuses moving forward and back, many rows out
/// of order, several people and organizations (a fixed pseudo-random sequence).
fn export() -> Vec<TicketEvent> {
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let statuses = [New, Open, Pending, Resolved, Closed];
    let mut events = Vec::new();
    for i in 0..420 {
        let ticket = format!("INC{:04}", if i < 150 { i } else { next(150) });
        let status = statuses[next(5) as usize];
        let mut event = row(&ticket, status, at(next(500) as i64));
        event.event_id = format!("csv-{i}");
        let requester = event.ticket.requester.as_mut().unwrap();
        requester.email = Email::parse(&format!("person{}@example.com", next(40))).unwrap();
        requester.organization = Some(["Finance", "Legal", "FINANCE", "Sales"][next(4) as usize].into());
        requester.name = (next(3) > 0).then(|| format!("Person {}", next(5)));
        requester.vip = [None, Some(true), Some(false)][next(3) as usize];
        let assignee = event.ticket.assignee.as_mut().unwrap();
        assignee.email = Email::parse(&format!("agent{}@desk.example", next(6))).unwrap();
        event.ticket.team = Some(["Desktop Support", "Network", "desktop support"][next(3) as usize].into());
        if next(4) == 0 {
            event.ticket.title = None;
        }
        events.push(event);
    }
    events
}

async fn import_in_batches(store: &Store, events: &[TicketEvent], batch: usize) -> Vec<ImportOutcome> {
    let mut outcomes = Vec::new();
    for part in events.chunks(batch) {
        outcomes.extend(import(store, part).await);
    }
    outcomes
}

fn tally(outcomes: &[ImportOutcome]) -> [usize; 4] {
    let n = |kind: ImportOutcome| outcomes.iter().filter(|&&o| o == kind).count();
    [n(Created), n(Updated), n(Stale), n(Unchanged)]
}

// ---------------------------------------------------------------------------------------
// Tests

on_both_databases! {
    async fn rows_create_update_or_change_nothing(store: &Store) {
        let outcomes = import(store, &[
            row("A", Open, at(1)),
            row("B", Open, at(1)),
            row("A", Closed, at(2)),
            row("B", New, at(0)),
            row("A", Closed, at(2)),
        ])
        .await;
        assert_eq!(outcomes, [Created, Created, Updated, Stale, Unchanged]);
        assert_eq!(ticket(store, "import", "A").await, ("closed".into(), at(2)));
        assert_eq!(ticket(store, "import", "B").await, ("open".into(), at(1)));
        assert_eq!(
            history(store, "import", "A").await,
            [step(None, "open", at(1), true), step(Some("open"), "closed", at(2), true)]
        );
        assert_eq!(
            history(store, "import", "B").await,
            [step(None, "open", at(1), true), step(Some("open"), "new", at(0), false)]
        );
        // One of each person, organization and team however often they are named.
        for table in ["customers", "agents", "organizations", "teams"] {
            assert_eq!(count(store, &format!("SELECT COUNT(*) FROM {table}")).await, 1, "{table}");
        }
        // No ticket_events row per imported row.
        assert_eq!(count(store, "SELECT COUNT(*) FROM ticket_events").await, 0);

        // A later export: B resolved, A as it was, C new; a title change is an update too.
        let mut retitled = row("A", Closed, at(2));
        retitled.ticket.title = Some("Printer on floor 3".into());
        retitled.event_id.push_str("-retitled");
        let outcomes =
            import(store, &[row("A", Closed, at(2)), row("B", Resolved, at(3)), row("C", New, at(3)), retitled]).await;
        assert_eq!(outcomes, [Unchanged, Updated, Created, Updated]);
        assert_eq!(ticket(store, "import", "B").await, ("resolved".into(), at(3)));
        assert_eq!(history(store, "import", "A").await.len(), 2, "no status change, no history row");

        // A newer row that says nothing new moves the ticket's time only (as on the live
        // path): an older row is late after it.
        let mut later = row("C", New, at(5));
        later.ticket.closed_at = None;
        assert_eq!(import(store, &[later]).await, [Updated]);
        assert_eq!(ticket(store, "import", "C").await, ("new".into(), at(5)));
        assert_eq!(import(store, &[row("C", Open, at(4))]).await, [Stale]);
        assert_eq!(ticket(store, "import", "C").await, ("new".into(), at(5)));
    }

    async fn importing_the_same_rows_again_changes_nothing(store: &Store) {
        let events = export();
        let first = import_in_batches(store, &events, 100).await;
        let [created, updated, stale, unchanged] = tally(&first);
        assert_eq!(created, 150);
        assert!(updated > 0 && stale > 0, "{:?}", tally(&first));
        assert_eq!(created + updated + stale + unchanged, events.len());
        let before = snapshot(store).await;
        let tickets = count(store, "SELECT COUNT(*) FROM tickets").await;
        let history = count(store, "SELECT COUNT(*) FROM ticket_history").await;
        let customers = count(store, "SELECT COUNT(*) FROM customers").await;
        assert_eq!(tickets, 150);

        // In other batches, and at another time: the same rows change nothing at all.
        let again = import_in_batches(store, &events, 137).await;
        assert!(again.iter().all(|&o| o == Unchanged), "{:?}", tally(&again));
        let one_batch = store.import_batch(&events, NOW + HOUR).await.unwrap();
        assert!(one_batch.iter().all(|&o| o == Unchanged), "{:?}", tally(&one_batch));
        assert_eq!(count(store, "SELECT COUNT(*) FROM tickets").await, tickets);
        assert_eq!(count(store, "SELECT COUNT(*) FROM ticket_history").await, history);
        assert_eq!(count(store, "SELECT COUNT(*) FROM customers").await, customers);
        assert_same(&before, &snapshot(store).await);
    }

    async fn the_bulk_path_ends_where_the_live_path_ends(store: &Store) {
        // The same rows through both paths, under two sources: the same tickets and the same
        // status changes. Late rows: the live path files each; the bulk path only those
        // that tell the history something new (never one the live path would not file).
        let events = export();
        let live: Vec<TicketEvent> = events
            .iter()
            .cloned()
            .map(|mut e| {
                e.source = "live".into();
                e
            })
            .collect();
        import(store, &events).await; // in one batch: by 128 to a statement
        for part in live.chunks(64) {
            store.backfill_batch(part, NOW).await.unwrap();
        }
        let by_source = |sql: &'static str| async move {
            let rows = rows(store, sql).await;
            let (bulk, live): (Vec<Row>, Vec<Row>) =
                rows.into_iter().partition(|r| r.get::<String>(0).unwrap() == "import");
            let strip = |rows: Vec<Row>| rows.into_iter().map(|r| Row(r.0[1..].to_vec())).collect::<Vec<_>>();
            (strip(bulk), strip(live))
        };
        let (bulk, live) = by_source(
            "SELECT source, external_id, title, status, category, priority, opened_at, resolved_at, closed_at,
                 customer_id, agent_id, team_id, organization_id, last_event_at, cycle
             FROM tickets ORDER BY external_id, source",
        )
        .await;
        assert_eq!(bulk.len(), 150);
        assert_eq!(bulk, live);
        let (bulk, live) = by_source(
            "SELECT t.source, t.external_id, h.event_id, h.from_status, h.to_status, h.occurred_at
             FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id WHERE h.applied = 1
             ORDER BY t.external_id, t.source, h.id",
        )
        .await;
        assert_eq!(bulk, live);
        let (bulk, live) = by_source(
            "SELECT t.source, t.external_id, h.event_id, h.from_status, h.to_status, h.occurred_at
             FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id WHERE h.applied = 0
             ORDER BY t.external_id, t.source, h.id",
        )
        .await;
        assert!(!bulk.is_empty() && bulk.len() <= live.len(), "{} {}", bulk.len(), live.len());
        assert!(bulk.iter().all(|row| live.contains(row)));
        assert_eq!(count(store, "SELECT COUNT(*) FROM customers").await, 40);
        assert_eq!(count(store, "SELECT COUNT(*) FROM organizations").await, 3);
        assert_eq!(count(store, "SELECT COUNT(*) FROM teams").await, 2);
    }

    async fn an_older_row_does_not_move_a_ticket_back(store: &Store) {
        assert_eq!(import(store, &[row("A", Closed, at(5))]).await, [Created]);
        // Older rows, alone or before the newest in one batch: filed in the history only.
        assert_eq!(import(store, &[row("A", Open, at(3))]).await, [Stale]);
        assert_eq!(import(store, &[row("B", Open, at(2)), row("B", Resolved, at(4)), row("B", New, at(1))]).await, [
            Created, Updated, Stale
        ]);
        assert_eq!(ticket(store, "import", "A").await, ("closed".into(), at(5)));
        assert_eq!(ticket(store, "import", "B").await, ("resolved".into(), at(4)));
        let a = [step(None, "closed", at(5), true), step(Some("closed"), "open", at(3), false)];
        assert_eq!(history(store, "import", "A").await, a);
        // Once only: importing the older rows again adds nothing.
        assert_eq!(import(store, &[row("A", Open, at(3)), row("B", New, at(1))]).await, [Unchanged, Unchanged]);
        assert_eq!(history(store, "import", "A").await, a);
        assert_eq!(history(store, "import", "B").await.len(), 3);
        // A ticket reopened by a newer row starts a new survey cycle, as on the live path.
        assert_eq!(import(store, &[row("A", Open, at(6))]).await, [Updated]);
        assert_eq!(count(store, "SELECT cycle FROM tickets WHERE external_id = 'A'").await, 1);
    }

    async fn a_row_overtaken_since_it_was_applied_is_not_filed_on_reimport(store: &Store) {
        // The middle row changed the title only (no history row); the last one overtakes it.
        let mut retitled = row("A", Open, at(2));
        retitled.ticket.title = Some("Printer on floor 3".into());
        let export = [row("A", Open, at(1)), retitled, row("A", Closed, at(3))];
        assert_eq!(import(store, &export).await, [Created, Updated, Updated]);
        let before = snapshot(store).await;
        assert_eq!(import(store, &export).await, [Unchanged, Unchanged, Unchanged]);
        assert_same(&before, &snapshot(store).await);
        // A late row whose status the history already shows at its instant adds nothing;
        // one that contradicts it is filed.
        assert_eq!(import(store, &[row("A", Open, at(2) + 1)]).await, [Unchanged]);
        assert_eq!(import(store, &[row("A", Pending, at(2) + 1)]).await, [Stale]);
        assert_eq!(history(store, "import", "A").await.len(), 3);
    }

    async fn rows_of_several_sources_are_separate_tickets(store: &Store) {
        let from = |source: &str, mut e: TicketEvent| {
            e.source = source.into();
            e
        };
        let batch = [row("A", Open, at(1)), from("jira", row("A", New, at(1))), from("jira", row("B", Open, at(1)))];
        assert_eq!(import(store, &batch).await, [Created, Created, Created]);
        let later = [
            from("jira", row("A", Closed, at(2))),
            row("A", Open, at(1)),
            from("jira", row("B", Open, at(1))),
            row("B", Open, at(1)),
        ];
        assert_eq!(import(store, &later).await, [Updated, Unchanged, Unchanged, Created]);
        assert_eq!(ticket(store, "jira", "A").await, ("closed".into(), at(2)));
        assert_eq!(ticket(store, "import", "A").await, ("open".into(), at(1)));
        assert_eq!(count(store, "SELECT COUNT(*) FROM tickets").await, 4);
    }

    async fn imported_and_live_events_mix(store: &Store) {
        let live = |mut e: TicketEvent| {
            e.event_id = format!("live-{}", e.event_id);
            e
        };
        // Created live, then updated by an import; importing again changes nothing.
        let outcome = &store.ingest_batch(&[live(row("A", Open, at(1)))], NOW).await.unwrap()[0];
        assert!(outcome.created);
        assert_eq!(import(store, &[row("A", Pending, at(2))]).await, [Updated]);
        assert_eq!(import(store, &[row("A", Pending, at(2))]).await, [Unchanged]);
        assert_eq!(ticket(store, "import", "A").await, ("pending".into(), at(2)));
        // ... and a live event older than the imported state is kept in the history only.
        let outcome = &store.ingest_batch(&[live(row("A", New, at(0)))], NOW).await.unwrap()[0];
        assert!(!outcome.applied);
        assert_eq!(
            history(store, "import", "A").await,
            [
                step(None, "open", at(1), true),
                step(Some("open"), "pending", at(2), true),
                step(Some("pending"), "new", at(0), false)
            ]
        );

        // Created by an import, then moved on live: importing the old export again neither
        // moves the ticket back nor adds to its history.
        assert_eq!(import(store, &[row("B", Open, at(1))]).await, [Created]);
        let outcome = &store.ingest_batch(&[live(row("B", Resolved, at(3)))], NOW).await.unwrap()[0];
        assert!(outcome.applied && !outcome.created);
        assert_eq!(import(store, &[row("B", Open, at(1))]).await, [Unchanged]);
        assert_eq!(ticket(store, "import", "B").await, ("resolved".into(), at(3)));
        assert_eq!(history(store, "import", "B").await.len(), 2);
        // The live path's record of the same fact counts as the import's: no second row.
        assert_eq!(import(store, &[row("B", Resolved, at(3))]).await, [Unchanged]);
        assert_eq!(history(store, "import", "B").await.len(), 2);
    }

    async fn rows_without_a_time_are_recognised_when_imported_again(store: &Store) {
        // A row without timestamps happens "now", which differs on every import; its event id
        // (derived from its content) is what the ticket's history remembers.
        let undated = |now: Millis| {
            let mut e = row("A", Open, now);
            e.ticket.opened_at = None;
            e.event_id = "csv-undated-a".into();
            e
        };
        assert_eq!(store.import_batch(&[undated(at(10))], at(10)).await.unwrap(), [Created]);
        assert_eq!(store.import_batch(&[undated(at(11))], at(11)).await.unwrap(), [Unchanged]);
        let outcome = &store.backfill_batch(&[row("A", Closed, at(12))], at(12)).await.unwrap()[0];
        assert!(outcome.applied);
        let before = snapshot(store).await;
        assert_eq!(store.import_batch(&[undated(at(13))], at(13)).await.unwrap(), [Unchanged]);
        assert_same(&before, &snapshot(store).await);
        assert_eq!(ticket(store, "import", "A").await, ("closed".into(), at(12)));
    }

    async fn people_keep_their_newest_details(store: &Store) {
        let with = |at: Millis, name: Option<&str>, vip: Option<bool>, organization: &str| {
            let mut e = row(&format!("T{at}"), Open, at);
            let r = e.ticket.requester.as_mut().unwrap();
            r.name = name.map(str::to_string);
            r.vip = vip;
            r.organization = Some(organization.into());
            e
        };
        import(store, &[with(at(2), Some("Ana B"), Some(true), "Legal"), with(at(1), Some("Ana A"), Some(false), "Finance")])
            .await;
        let customer = || rows(store, "SELECT c.name, c.vip, o.name, c.seen_at FROM customers c
                                       JOIN organizations o ON o.id = c.organization_id");
        let expected = |name: &str, vip: i64, org: &str, seen_at: Millis| {
            use rapport_store::db::Value::{Int, Text};
            vec![Row(vec![Text(name.into()), Int(vip), Text(org.into()), Int(seen_at)])]
        };
        assert_eq!(customer().await, expected("Ana B", 1, "Legal", at(2)));
        // Newer rows: what they leave out stays; an older one changes nothing.
        import(store, &[with(at(3), None, None, "LEGAL"), with(at(0), Some("Old"), Some(false), "Finance")]).await;
        assert_eq!(customer().await, expected("Ana B", 1, "Legal", at(3)));
        // A row without a time of its own (at `now`) changes nothing unless it brings news.
        store.import_batch(&[with(NOW, None, Some(true), "Legal")], NOW).await.unwrap();
        assert_eq!(customer().await, expected("Ana B", 1, "Legal", at(3)));
        store.import_batch(&[with(NOW, Some("Ana N"), None, "Legal")], NOW).await.unwrap();
        assert_eq!(customer().await, expected("Ana N", 1, "Legal", NOW));
        import(store, &[with(at(4), Some("Ana B"), Some(true), "Legal")]).await;
        assert_eq!(customer().await, expected("Ana N", 1, "Legal", NOW));
        store.import_batch(&[with(NOW + 1, Some("Ana B"), None, "Legal")], NOW + 1).await.unwrap();
        import(store, &[with(NOW + 2, Some("Ana C"), Some(false), "Sales")]).await;
        assert_eq!(customer().await, expected("Ana C", 0, "Sales", NOW + 2));
        assert_eq!(count(store, "SELECT COUNT(*) FROM customers").await, 1);
        assert_eq!(count(store, "SELECT COUNT(*) FROM organizations").await, 3);
    }
}

// ---------------------------------------------------------------------------------------
// Indexes set aside during a large import

/// The names of the indexes of `tickets` that SQLite holds.
async fn ticket_indexes(store: &Store) -> Vec<String> {
    let rows =
        rows(store, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' ORDER BY name").await;
    rows.iter().map(|r| r.get(0).unwrap()).collect()
}

fn deferred_names() -> Vec<String> {
    let mut names: Vec<String> = DEFERRED_INDEXES.iter().map(|(name, _)| name.to_string()).collect();
    names.sort();
    names
}

async fn sqlite_store(dir: &tempfile::TempDir) -> Store {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("rapport.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

on_both_databases! {
    async fn an_import_with_the_indexes_set_aside_stores_the_same(store: &Store) {
        let deferred = store.defer_indexes(420, 1).await.unwrap();
        assert_eq!(deferred, store.backend() == rapport_store::Backend::Sqlite, "SQLite only");
        let first = import_in_batches(store, &export(), 50).await;
        store.restore_indexes().await.unwrap();
        let again = import_in_batches(store, &export(), 50).await;
        assert_eq!(tally(&again), [0, 0, 0, 420], "importing again changes nothing");
        // The same outcomes as with the indexes in place, on a database of its own.
        let dir = tempfile::tempdir().unwrap();
        let plain = sqlite_store(&dir).await;
        assert_eq!(first, import_in_batches(&plain, &export(), 50).await);
        assert_eq!(count(store, "SELECT COUNT(*) FROM tickets").await, 150);
        assert_eq!(store.restore_indexes().await.unwrap(), 0, "nothing left to build");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indexes_set_aside_are_those_the_migrations_create() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    for (name, create) in DEFERRED_INDEXES {
        let sql: String = store
            .read(move |conn| {
                conn.value("SELECT sql FROM sqlite_master WHERE name = $1", rapport_store::params![*name])
            })
            .await
            .unwrap();
        assert_eq!(sql, create.replace("IF NOT EXISTS ", ""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_import_leaves_no_index_missing_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let all = ticket_indexes(&store).await;
    assert!(deferred_names().iter().all(|name| all.contains(name)), "{all:?}");
    assert!(store.defer_indexes(1_000, 1).await.unwrap());
    let during = ticket_indexes(&store).await;
    assert!(deferred_names().iter().all(|name| !during.contains(name)), "{during:?}");
    assert!(during.iter().any(|name| name.starts_with("sqlite_autoindex_tickets")), "the unique key stays");
    import_in_batches(&store, &export()[..100], 50).await;
    // The process dies here: no restore_indexes.
    drop(store);
    let store = sqlite_store(&dir).await;
    assert_eq!(ticket_indexes(&store).await, all, "opening the database built them again");
    assert_eq!(store.restore_indexes().await.unwrap(), 0);
    let again = import_in_batches(&store, &export()[..100], 50).await;
    assert_eq!(tally(&again), [0, 0, 0, 100], "the rows stored before the crash are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indexes_stay_for_a_small_import_or_one_smaller_than_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    assert!(!store.defer_indexes(10, 50_000).await.unwrap(), "below the threshold");
    import_in_batches(&store, &export()[..150], 150).await;
    assert!(!store.defer_indexes(100, 1).await.unwrap(), "fewer rows than the 150 tickets stored");
    let all = ticket_indexes(&store).await;
    assert!(deferred_names().iter().all(|name| all.contains(name)), "{all:?}");
    assert!(store.defer_indexes(150, 1).await.unwrap());
    assert_eq!(store.restore_indexes().await.unwrap(), DEFERRED_INDEXES.len());
    assert_eq!(ticket_indexes(&store).await, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulk_path_skips_row_by_row_key_checks_yet_leaves_every_reference_valid() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    import_in_batches(&store, &export(), 50).await;
    let dangling = rows(&store, "PRAGMA foreign_key_check").await;
    assert!(dangling.is_empty(), "{dangling:?}");
    // The writer checks foreign keys again afterwards: a dangling reference is refused.
    let refused = store
        .write(|conn| {
            conn.execute(
                "INSERT INTO ticket_history (ticket_id, event_id, to_status, occurred_at, applied, recorded_at)
                 VALUES (999999, 'x', 'open', 0, 1, 0)",
                &[],
            )
        })
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let on: i64 = store.write(|conn| conn.value("PRAGMA foreign_keys", &[])).await.unwrap();
    assert_eq!(on, 1);
}
