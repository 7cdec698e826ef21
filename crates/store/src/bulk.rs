//! Bulk import of past ticket events (the CSV import): the rules of [`crate::ingest`] —
//! ordered by `occurred_at`, newer person details win by `seen_at`, one history row per
//! status change, late events kept in the history with `applied = 0`, no surveys — at a
//! fraction of the cost per event.
//!
//! What makes it cheaper than applying events one by one:
//! - no `ticket_events` row (nor stored outcome) per event. Re-importing stays idempotent
//!   because a row that its ticket or its ticket's history already reflects is
//!   [`ImportOutcome::Unchanged`]: the ticket holds what the row says; or the history holds
//!   the row's event id (which the importer derives from the row's content); or, for a row
//!   older than the ticket's state, the history already shows its status at its instant;
//! - organizations, teams, customers and agents are read once per batch and kept in memory;
//!   customers and agents are written back once, at the end of the batch, if they changed;
//! - rows go by chunks of 128: one multi-row `INSERT` creates the chunk's new tickets, one
//!   more their first history rows, one `SELECT` reads (on PostgreSQL, locks) the stored
//!   tickets the other rows name; those rows are then applied in order against that state,
//!   each costing a statement only if it changes something.
//!
//! So a batch of new tickets costs about two statements per 128 rows plus about three per
//! 128 distinct people, and one per distinct organization or team.

use crate::db::{Backend, Conn, ToValue};
use crate::{params, Result, Store, StoreError};
use rapport_domain::event::TicketEvent;
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// What importing one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The row created its ticket.
    Created,
    /// The row was the newest for its ticket and changed it.
    Updated,
    /// The row is older than its ticket's state: filed in the ticket's history
    /// (`applied = 0`) only.
    Stale,
    /// Nothing to do: the ticket already holds what the row says, or its history already
    /// records the row (it was imported before).
    Unchanged,
}

impl Store {
    /// Imports a batch of past events in one transaction; answers one outcome per event,
    /// in order. Nothing is surveyed (these are past tickets), and no `ticket_events` row
    /// is kept: importing the same rows again answers [`ImportOutcome::Unchanged`] for
    /// each and changes nothing.
    ///
    /// An event at `now` exactly is taken as one without a time of its own (the CSV
    /// importer dates a row without any timestamp so): it changes a ticket or a person only
    /// if it changes one of their details, never their time alone, so that importing such
    /// rows again, at another `now`, changes nothing either.
    pub async fn import_batch(&self, events: &[TicketEvent], now: Millis) -> Result<Vec<ImportOutcome>> {
        self.import_batch_owned(events.to_vec(), now).await
    }

    /// [`Store::import_batch`] for a batch the caller gives away (no copy).
    pub async fn import_batch_owned(&self, events: Vec<TicketEvent>, now: Millis) -> Result<Vec<ImportOutcome>> {
        self.write(move |conn| import_events(conn, &events, now)).await
    }
}

/// Imports `events` inside the caller's transaction (see [`Store::import_batch`]).
pub fn import_events(conn: &mut dyn Conn, events: &[TicketEvent], now: Millis) -> Result<Vec<ImportOutcome>> {
    let refs = resolve_refs(conn, events, now)?;
    let mut outcomes = Vec::with_capacity(events.len());
    for (events, refs) in events.chunks(CHUNK).zip(refs.chunks(CHUNK)) {
        import_chunk(conn, events, refs, now, &mut outcomes)?;
    }
    Ok(outcomes)
}

/// Rows per multi-row `INSERT`: 15 parameters each, well under both databases' limits.
const CHUNK: usize = 128;

/// rustc's FxHash: far cheaper than SipHash for the emails, names and keys hashed for
/// every row, and the keys come from the file being imported (no flooding to fear).
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// The ids a ticket row points to.
#[derive(Debug, Clone, Copy, Default)]
struct Refs {
    customer_id: Option<i64>,
    agent_id: Option<i64>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------
// Organizations, teams, customers, agents

/// Finds or creates the organizations, teams, customers and agents the events name, each
/// once; customers and agents take the newest details of the batch, written once.
fn resolve_refs(conn: &mut dyn Conn, events: &[TicketEvent], now: Millis) -> Result<Vec<Refs>> {
    let mut organizations = Names::new(Named::Organization);
    let mut teams = Names::new(Named::Team);
    let mut refs = Vec::with_capacity(events.len());
    for event in events {
        let t = &event.ticket;
        let organization_id = match t.requester.as_ref().and_then(|r| r.organization.as_deref()) {
            Some(name) => Some(organizations.id(conn, name, now)?),
            None => None,
        };
        let team_id = match t.team.as_deref() {
            Some(name) => Some(teams.id(conn, name, now)?),
            None => None,
        };
        refs.push(Refs { customer_id: None, agent_id: None, team_id, organization_id });
    }
    let customers: Vec<Option<(&str, Details<'_>)>> = events
        .iter()
        .zip(&refs)
        .map(|(event, refs)| {
            event.ticket.requester.as_ref().map(|r| {
                let details = Details {
                    name: r.name.as_deref(),
                    group: refs.organization_id,
                    vip: r.vip,
                    language: r.language.as_deref(),
                };
                (r.email.as_str(), details)
            })
        })
        .collect();
    let customer_ids = resolve_people(conn, PersonKind::Customer, events, &customers, now)?;
    let agents: Vec<Option<(&str, Details<'_>)>> = events
        .iter()
        .zip(&refs)
        .map(|(event, refs)| {
            event.ticket.assignee.as_ref().map(|a| {
                (a.email.as_str(), Details { name: a.name.as_deref(), group: refs.team_id, vip: None, language: None })
            })
        })
        .collect();
    let agent_ids = resolve_people(conn, PersonKind::Agent, events, &agents, now)?;
    for ((refs, customer_id), agent_id) in refs.iter_mut().zip(customer_ids).zip(agent_ids) {
        refs.customer_id = customer_id;
        refs.agent_id = agent_id;
    }
    Ok(refs)
}

#[derive(Clone, Copy)]
enum Named {
    Organization,
    Team,
}

/// Organizations or teams by name (matched ignoring case, as the live path does).
struct Names {
    kind: Named,
    ids: FastMap<String, i64>,
}

impl Names {
    fn new(kind: Named) -> Names {
        Names { kind, ids: FastMap::default() }
    }

    fn id(&mut self, conn: &mut dyn Conn, name: &str, now: Millis) -> Result<i64> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        let (find, insert) = match self.kind {
            Named::Organization => (
                "SELECT id FROM organizations WHERE name_key = $1",
                "INSERT INTO organizations (name, name_key, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
            ),
            Named::Team => (
                "SELECT id FROM teams WHERE name_key = $1",
                "INSERT INTO teams (name, name_key, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
            ),
        };
        let key = name.to_lowercase();
        let id = match conn.query_opt(find, params![key])? {
            Some(row) => row.get(0)?,
            None => conn.value(insert, params![name, key, now])?,
        };
        self.ids.insert(name.to_string(), id);
        Ok(id)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PersonKind {
    Customer,
    Agent,
}

/// What one event says about a person; `None` leaves the stored value as it is.
struct Details<'a> {
    name: Option<&'a str>,
    /// The customer's organization, the agent's team.
    group: Option<i64>,
    vip: Option<bool>,
    language: Option<&'a str>,
}

/// A customer or agent as the database holds it, with the batch's events applied.
struct Person {
    id: i64,
    name: Option<String>,
    group: Option<i64>,
    vip: i64,
    language: Option<String>,
    seen_at: Millis,
    /// Differs from the stored row: written back at the end of the batch.
    dirty: bool,
}

impl Person {
    /// The live path's rule: details at least as new as the newest seen replace the
    /// stored ones (those the event gives), and move `seen_at` forward. A row without a
    /// time of its own (see [`Store::import_batch`]) moves `seen_at` only along with a
    /// change of details: importing such a file again leaves the person as it was.
    fn apply(&mut self, details: &Details<'_>, occurred_at: Millis, timeless: bool) {
        if occurred_at < self.seen_at {
            return;
        }
        let mut changed = false;
        if let Some(name) = details.name.filter(|&n| self.name.as_deref() != Some(n)) {
            self.name = Some(name.to_string());
            changed = true;
        }
        if let Some(group) = details.group.filter(|&g| self.group != Some(g)) {
            self.group = Some(group);
            changed = true;
        }
        if let Some(vip) = details.vip.map(i64::from).filter(|&v| self.vip != v) {
            self.vip = vip;
            changed = true;
        }
        if let Some(language) = details.language.filter(|&l| self.language.as_deref() != Some(l)) {
            self.language = Some(language.to_string());
            changed = true;
        }
        if occurred_at > self.seen_at && (changed || !timeless) {
            self.seen_at = occurred_at;
            changed = true;
        }
        self.dirty |= changed;
    }
}

/// The customers (or agents) that `rows` name (one per event, by email): each read (on
/// PostgreSQL, locked) or created once, by up to 128 to a statement; the events' details
/// applied in order, in memory; the changed ones written back at the end, likewise.
/// Answers each event's person id.
fn resolve_people<'e>(
    conn: &mut dyn Conn,
    kind: PersonKind,
    events: &[TicketEvent],
    rows: &[Option<(&'e str, Details<'e>)>],
    now: Millis,
) -> Result<Vec<Option<i64>>> {
    // Each person once, with the first event that names them.
    let mut first_row: FastMap<&'e str, usize> = FastMap::default();
    let mut emails: Vec<&'e str> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if let Some((email, _)) = row {
            first_row.entry(email).or_insert_with(|| {
                emails.push(email);
                i
            });
        }
    }
    let mut people = find_people(conn, kind, &emails)?;
    let missing: Vec<usize> = emails.iter().filter(|e| !people.contains_key(*e)).map(|e| first_row[e]).collect();
    if !missing.is_empty() {
        insert_people(conn, kind, events, rows, &missing, now, &mut people)?;
        // Created meanwhile by another instance (PostgreSQL): they are there now.
        let raced: Vec<&'e str> = emails.iter().copied().filter(|e| !people.contains_key(e)).collect();
        people.extend(find_people(conn, kind, &raced)?);
        if let Some(email) = emails.iter().find(|e| !people.contains_key(*e)) {
            return Err(StoreError::Conflict(format!("{email} could be neither found nor created")));
        }
    }
    let mut ids = Vec::with_capacity(rows.len());
    for (row, event) in rows.iter().zip(events) {
        ids.push(match row {
            Some((email, details)) => {
                let person = people.get_mut(email).ok_or(StoreError::NotFound)?;
                person.apply(details, event.occurred_at, event.occurred_at == now);
                Some(person.id)
            }
            None => None,
        });
    }
    write_back_people(conn, kind, &people, now)?;
    Ok(ids)
}

/// The stored customers (or agents) among `emails`, by email.
fn find_people<'e>(conn: &mut dyn Conn, kind: PersonKind, emails: &[&'e str]) -> Result<FastMap<&'e str, Person>> {
    static SQL: [OnceLock<Vec<String>>; 4] = [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let postgres = conn.backend() == Backend::Postgres;
    let (cell, head) = match kind {
        PersonKind::Customer => {
            (0, "SELECT id, email, name, organization_id, vip, language, seen_at FROM customers WHERE email IN (")
        }
        PersonKind::Agent => (2, "SELECT id, email, name, team_id, 0, NULL, seen_at FROM agents WHERE email IN ("),
    };
    let (cell, tail) = if postgres { (cell + 1, ") FOR UPDATE") } else { (cell, ")") };
    let wanted: FastSet<&'e str> = emails.iter().copied().collect();
    let mut people = FastMap::with_capacity_and_hasher(emails.len(), Default::default());
    let mut rest = emails;
    for size in split(emails.len()) {
        let (part, after) = rest.split_at(size);
        rest = after;
        let sql = Shape { head, row: "?", sep: ", ", tail, first: 1 }.sized(&SQL[cell], size);
        let values: Vec<&dyn ToValue> = part.iter().map(|e| e as &dyn ToValue).collect();
        for row in conn.query(sql, &values)? {
            let email: String = row.get(1)?;
            let Some(&email) = wanted.get(email.as_str()) else {
                return Err(StoreError::Corrupt(format!("asked for no person {email}")));
            };
            let person = Person {
                id: row.get(0)?,
                name: row.get(2)?,
                group: row.get(3)?,
                vip: row.get(4)?,
                language: row.get(5)?,
                seen_at: row.get(6)?,
                dirty: false,
            };
            people.insert(email, person);
        }
    }
    Ok(people)
}

/// Creates the people first named by the events at `first_rows`, with those events'
/// details; adds those it created to `people` (one created meanwhile elsewhere is not).
fn insert_people<'e>(
    conn: &mut dyn Conn,
    kind: PersonKind,
    events: &[TicketEvent],
    rows: &[Option<(&'e str, Details<'e>)>],
    first_rows: &[usize],
    now: Millis,
    people: &mut FastMap<&'e str, Person>,
) -> Result<()> {
    static SQL: [OnceLock<Vec<String>>; 2] = [OnceLock::new(), OnceLock::new()];
    let (cell, head, row) = match kind {
        PersonKind::Customer => (
            0,
            "INSERT INTO customers (email, name, organization_id, vip, language, seen_at, created_at) VALUES ",
            "(?, ?, ?, COALESCE(?, 0), ?, ?, $1)",
        ),
        PersonKind::Agent => {
            (1, "INSERT INTO agents (email, name, team_id, seen_at, created_at) VALUES ", "(?, ?, ?, ?, $1)")
        }
    };
    let tail = " ON CONFLICT (email) DO NOTHING RETURNING id, email";
    let vips: Vec<Option<i64>> = rows.iter().map(|r| r.as_ref().and_then(|(_, d)| d.vip.map(i64::from))).collect();
    let mut rest = first_rows;
    for size in split(first_rows.len()) {
        let (part, after) = rest.split_at(size);
        rest = after;
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(1 + size * 6);
        values.push(&now);
        let mut given = FastMap::with_capacity_and_hasher(size, Default::default());
        for &i in part {
            let Some((email, details)) = &rows[i] else { continue };
            given.insert(*email, i);
            values.push(email);
            values.push(&details.name);
            values.push(&details.group);
            if kind == PersonKind::Customer {
                values.push(&vips[i]);
                values.push(&details.language);
            }
            values.push(&events[i].occurred_at);
        }
        let sql = Shape { head, row, sep: ", ", tail, first: 2 }.sized(&SQL[cell], size);
        for created in conn.query(sql, &values)? {
            let email: String = created.get(1)?;
            let Some((&email, &i)) = given.get_key_value(email.as_str()) else {
                return Err(StoreError::Corrupt(format!("created an unknown person {email}")));
            };
            let Some((_, details)) = &rows[i] else { continue };
            let person = Person {
                id: created.get(0)?,
                name: details.name.map(str::to_string),
                group: details.group,
                vip: vips[i].unwrap_or(0),
                language: details.language.map(str::to_string),
                seen_at: events[i].occurred_at,
                dirty: false,
            };
            people.insert(email, person);
        }
    }
    Ok(())
}

/// Stores the newest details of everyone the batch changed (the rows exist and, on
/// PostgreSQL, are locked by this transaction: the upsert always updates).
fn write_back_people(conn: &mut dyn Conn, kind: PersonKind, people: &FastMap<&str, Person>, now: Millis) -> Result<()> {
    static SQL: [OnceLock<Vec<String>>; 2] = [OnceLock::new(), OnceLock::new()];
    let (cell, head, row, tail) = match kind {
        PersonKind::Customer => (
            0,
            "INSERT INTO customers (email, name, organization_id, vip, language, seen_at, created_at) VALUES ",
            "(?, ?, ?, ?, ?, ?, $1)",
            " ON CONFLICT (email) DO UPDATE SET name = excluded.name, organization_id = excluded.organization_id,
                 vip = excluded.vip, language = excluded.language, seen_at = excluded.seen_at",
        ),
        PersonKind::Agent => (
            1,
            "INSERT INTO agents (email, name, team_id, seen_at, created_at) VALUES ",
            "(?, ?, ?, ?, $1)",
            " ON CONFLICT (email) DO UPDATE SET name = excluded.name, team_id = excluded.team_id,
                 seen_at = excluded.seen_at",
        ),
    };
    let mut changed: Vec<(&&str, &Person)> = people.iter().filter(|(_, p)| p.dirty).collect();
    changed.sort_unstable_by_key(|(_, p)| p.id);
    let mut rest = &changed[..];
    for size in split(changed.len()) {
        let (part, after) = rest.split_at(size);
        rest = after;
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(1 + size * 6);
        values.push(&now);
        for (email, p) in part {
            values.push(*email);
            values.push(&p.name);
            values.push(&p.group);
            if kind == PersonKind::Customer {
                values.push(&p.vip);
                values.push(&p.language);
            }
            values.push(&p.seen_at);
        }
        conn.execute(Shape { head, row, sep: ", ", tail, first: 2 }.sized(&SQL[cell], size), &values)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Tickets

/// Imports up to [`CHUNK`] rows: the first row of each ticket not yet stored creates it
/// (one multi-row `INSERT` for all of them); the stored tickets the other rows name are
/// read (on PostgreSQL, locked) with one statement; then those rows are applied one by
/// one, in order, against that state, which each applied row updates.
fn import_chunk(
    conn: &mut dyn Conn,
    events: &[TicketEvent],
    refs: &[Refs],
    now: Millis,
    outcomes: &mut Vec<ImportOutcome>,
) -> Result<()> {
    let key = |i: usize| (events[i].source.as_str(), events[i].ticket.external_id.as_str());
    // Each ticket's first row, and how many rows name it.
    let mut rows_of: FastMap<(&str, &str), usize> = FastMap::with_capacity_and_hasher(events.len(), Default::default());
    let mut firsts = Vec::with_capacity(events.len());
    for i in 0..events.len() {
        let count = rows_of.entry(key(i)).or_insert(0);
        if *count == 0 {
            firsts.push(i);
        }
        *count += 1;
    }
    let created = insert_tickets(conn, events, refs, &firsts, now)?;
    let mut created_ids = vec![None; events.len()];
    for &i in &firsts {
        created_ids[i] = created.get(&key(i)).copied();
    }
    let firsts_created: Vec<(i64, &TicketEvent)> =
        created_ids.iter().zip(events).filter_map(|(id, event)| id.map(|id| (id, event))).collect();
    insert_first_history(conn, &firsts_created, now)?;
    let stored: Vec<usize> = firsts.iter().copied().filter(|&i| created_ids[i].is_none()).collect();
    let mut tickets = Current::read_all(conn, events, &stored)?;
    for (i, event) in events.iter().enumerate() {
        if let Some(id) = created_ids[i] {
            if rows_of[&key(i)] > 1 {
                tickets.insert(key(i), Current::created(id, event, &refs[i]));
            }
            outcomes.push(ImportOutcome::Created);
            continue;
        }
        let outcome = match tickets.get_mut(&key(i)) {
            Some(current) => apply_to_existing(conn, event, &refs[i], current, now)?,
            // Gone since the insert was tried (nothing deletes tickets today): create it.
            None => {
                let one = insert_tickets(conn, std::slice::from_ref(event), std::slice::from_ref(&refs[i]), &[0], now)?;
                let id = *one.values().next().ok_or(StoreError::NotFound)?;
                insert_first_history(conn, &[(id, event)], now)?;
                tickets.insert(key(i), Current::created(id, event, &refs[i]));
                ImportOutcome::Created
            }
        };
        outcomes.push(outcome);
    }
    Ok(())
}

/// Statement sizes: a chunk's rows go by 128, then by the powers of two below, so each
/// connection prepares at most eight shapes of each multi-row statement.
const SIZES: [usize; 8] = [128, 64, 32, 16, 8, 4, 2, 1];

/// The text of a multi-row statement: `head`, then copies of `row` joined by `sep`, then
/// `tail`. Each `?` becomes the next `$n`, numbered from `first`; a `$1` written out (a
/// value all rows share) stays.
struct Shape {
    head: &'static str,
    row: &'static str,
    sep: &'static str,
    tail: &'static str,
    first: usize,
}

impl Shape {
    fn sql(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + self.tail.len() + rows * (self.row.len() + 16));
        sql.push_str(self.head);
        let mut n = self.first;
        for r in 0..rows {
            if r > 0 {
                sql.push_str(self.sep);
            }
            for c in self.row.chars() {
                if c == '?' {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                    n += 1;
                } else {
                    sql.push(c);
                }
            }
        }
        sql.push_str(self.tail);
        sql
    }

    /// The statement for `rows` rows, `rows` one of [`SIZES`]; each size built once.
    fn sized(&self, cell: &'static OnceLock<Vec<String>>, rows: usize) -> &'static str {
        let all = cell.get_or_init(|| SIZES.iter().map(|&n| self.sql(n)).collect());
        let index = SIZES.iter().position(|&n| n == rows).expect("a size from SIZES");
        &all[index]
    }
}

/// `n` split into sizes from [`SIZES`], largest first.
fn split(mut n: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        let size = *SIZES.iter().find(|&&s| s <= n)?;
        n -= size;
        Some(size)
    })
}

/// Inserts the tickets of `rows` (indexes into `events`, one per ticket) that are not
/// stored yet; answers their ids by (source, external id).
fn insert_tickets<'e>(
    conn: &mut dyn Conn,
    events: &'e [TicketEvent],
    refs: &[Refs],
    rows: &[usize],
    now: Millis,
) -> Result<FastMap<(&'e str, &'e str), i64>> {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let statuses: Vec<&'static str> = events.iter().map(|e| e.ticket.status.as_str()).collect();
    let mut created = FastMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut rest = rows;
    for size in split(rows.len()) {
        let (part, after) = rest.split_at(size);
        rest = after;
        let shape = Shape {
            head: "INSERT INTO tickets (source, external_id, title, status, category, priority, opened_at, resolved_at,
                 closed_at, customer_id, agent_id, team_id, organization_id, message_id, last_event_at, created_at,
                 updated_at) VALUES ",
            row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, $1, $1)",
            sep: ", ",
            tail: " ON CONFLICT (source, external_id) DO NOTHING RETURNING id, source, external_id",
            first: 2,
        };
        let sql = shape.sized(&SQL, size);
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(1 + size * 15);
        values.push(&now);
        for &i in part {
            let (e, t, r) = (&events[i], &events[i].ticket, &refs[i]);
            values.extend_from_slice(params![
                e.source,
                t.external_id,
                t.title,
                statuses[i],
                t.category,
                t.priority,
                t.opened_at,
                t.resolved_at,
                t.closed_at,
                r.customer_id,
                r.agent_id,
                r.team_id,
                r.organization_id,
                t.message_id,
                e.occurred_at
            ]);
        }
        let mut cursor = 0;
        for row in conn.query(sql, &values)? {
            let id: i64 = row.get(0)?;
            let source: String = row.get(1)?;
            let external_id: String = row.get(2)?;
            // Back to the event's own strings, which outlive this statement. Rows come back
            // in the order they were given, in practice: look there first.
            let at = (0..part.len())
                .map(|k| (cursor + k) % part.len())
                .find(|&at| {
                    let e = &events[part[at]];
                    e.source == source && e.ticket.external_id == external_id
                })
                .ok_or_else(|| StoreError::Corrupt(format!("inserted an unknown ticket {source}/{external_id}")))?;
            cursor = (at + 1) % part.len();
            let event = &events[part[at]];
            created.insert((event.source.as_str(), event.ticket.external_id.as_str()), id);
        }
    }
    Ok(created)
}

/// The first history row of each new ticket, as the live path writes it.
fn insert_first_history(conn: &mut dyn Conn, created: &[(i64, &TicketEvent)], now: Millis) -> Result<()> {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let statuses: Vec<&'static str> = created.iter().map(|(_, e)| e.ticket.status.as_str()).collect();
    let mut done = 0;
    for size in split(created.len()) {
        let shape = Shape {
            head: "INSERT INTO ticket_history (ticket_id, event_id, from_status, to_status, occurred_at, applied, recorded_at)
             VALUES ",
            row: "(?, ?, NULL, ?, ?, 1, $1)",
            sep: ", ",
            tail: "",
            first: 2,
        };
        let sql = shape.sized(&SQL, size);
        let mut values: Vec<&dyn ToValue> = Vec::with_capacity(1 + size * 4);
        values.push(&now);
        for (j, (id, event)) in created[done..done + size].iter().enumerate() {
            values.extend_from_slice(params![*id, event.event_id, statuses[done + j], event.occurred_at]);
        }
        conn.execute(sql, &values)?;
        done += size;
    }
    Ok(())
}

/// A stored ticket's current state: what a row is compared with.
struct Current {
    id: i64,
    status: TicketStatus,
    last_event_at: Millis,
    title: Option<String>,
    category: Option<String>,
    priority: Option<String>,
    opened_at: Option<Millis>,
    resolved_at: Option<Millis>,
    closed_at: Option<Millis>,
    customer_id: Option<i64>,
    agent_id: Option<i64>,
    team_id: Option<i64>,
    organization_id: Option<i64>,
    message_id: Option<String>,
}

impl Current {
    /// Reads the stored tickets of the events at `rows` (one per ticket), holding row locks
    /// on PostgreSQL (as the live path does); by (source, external id).
    fn read_all<'e>(
        conn: &mut dyn Conn,
        events: &'e [TicketEvent],
        rows: &[usize],
    ) -> Result<FastMap<(&'e str, &'e str), Current>> {
        static SQL: [OnceLock<Vec<String>>; 2] = [OnceLock::new(), OnceLock::new()];
        let (cell, tail) = match conn.backend() {
            Backend::Sqlite => (0, ") AS k JOIN tickets t ON t.source = k.column1 AND t.external_id = k.column2"),
            Backend::Postgres => {
                (1, ") AS k JOIN tickets t ON t.source = k.column1 AND t.external_id = k.column2 FOR UPDATE OF t")
            }
        };
        // The keys as a table joined to the unique index: one index lookup per key on both
        // databases, whatever their statistics say (PostgreSQL misplans `source = $1 AND
        // external_id IN (…)` on a freshly loaded table; ORed equalities cost it milliseconds
        // of planning; SQLite scans the table for `(source, external_id) IN (VALUES …)`).
        let shape = Shape {
            head: "SELECT t.source, t.external_id, t.id, t.status, t.last_event_at, t.title, t.category, t.priority,
                       t.opened_at, t.resolved_at, t.closed_at, t.customer_id, t.agent_id, t.team_id,
                       t.organization_id, t.message_id
                   FROM (VALUES ",
            row: "(?, ?)",
            sep: ", ",
            tail,
            first: 1,
        };
        let mut tickets = FastMap::with_capacity_and_hasher(rows.len(), Default::default());
        let mut rest = rows;
        for size in split(rows.len()) {
            let (part, after) = rest.split_at(size);
            rest = after;
            let mut values: Vec<&dyn ToValue> = Vec::with_capacity(size * 2);
            let mut by_external_id = FastMap::with_capacity_and_hasher(size, Default::default());
            for &i in part {
                values.push(&events[i].source);
                values.push(&events[i].ticket.external_id);
                by_external_id.insert(events[i].ticket.external_id.as_str(), i);
            }
            for row in conn.query(shape.sized(&SQL[cell], size), &values)? {
                let (source, external_id): (String, String) = (row.get(0)?, row.get(1)?);
                // Back to the event's own strings, which outlive this statement.
                let is = |i: &usize| events[*i].source == source && events[*i].ticket.external_id == external_id;
                let Some(&i) =
                    by_external_id.get(external_id.as_str()).filter(|i| is(i)).or_else(|| part.iter().find(|i| is(i)))
                else {
                    return Err(StoreError::Corrupt(format!("read an unasked ticket {source}/{external_id}")));
                };
                let status: String = row.get(3)?;
                let current = Current {
                    id: row.get(2)?,
                    status: status
                        .parse()
                        .map_err(|e: rapport_domain::status::UnknownStatus| StoreError::Corrupt(e.to_string()))?,
                    last_event_at: row.get(4)?,
                    title: row.get(5)?,
                    category: row.get(6)?,
                    priority: row.get(7)?,
                    opened_at: row.get(8)?,
                    resolved_at: row.get(9)?,
                    closed_at: row.get(10)?,
                    customer_id: row.get(11)?,
                    agent_id: row.get(12)?,
                    team_id: row.get(13)?,
                    organization_id: row.get(14)?,
                    message_id: row.get(15)?,
                };
                tickets.insert((events[i].source.as_str(), events[i].ticket.external_id.as_str()), current);
            }
        }
        Ok(tickets)
    }

    /// A ticket as the event created it.
    fn created(id: i64, event: &TicketEvent, refs: &Refs) -> Current {
        let t = &event.ticket;
        Current {
            id,
            status: t.status,
            last_event_at: event.occurred_at,
            title: t.title.clone(),
            category: t.category.clone(),
            priority: t.priority.clone(),
            opened_at: t.opened_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            customer_id: refs.customer_id,
            agent_id: refs.agent_id,
            team_id: refs.team_id,
            organization_id: refs.organization_id,
            message_id: t.message_id.clone(),
        }
    }

    /// What the `UPDATE` of [`apply_to_existing`] does to the row: the event's status and
    /// time; the fields it gives (the others keep their values).
    fn apply(&mut self, event: &TicketEvent, refs: &Refs) {
        fn take<T: Clone>(given: &Option<T>, stored: &mut Option<T>) {
            if given.is_some() {
                stored.clone_from(given);
            }
        }
        let t = &event.ticket;
        self.status = t.status;
        self.last_event_at = event.occurred_at;
        take(&t.title, &mut self.title);
        take(&t.category, &mut self.category);
        take(&t.priority, &mut self.priority);
        take(&t.opened_at, &mut self.opened_at);
        take(&t.resolved_at, &mut self.resolved_at);
        take(&t.closed_at, &mut self.closed_at);
        take(&refs.customer_id, &mut self.customer_id);
        take(&refs.agent_id, &mut self.agent_id);
        take(&refs.team_id, &mut self.team_id);
        take(&refs.organization_id, &mut self.organization_id);
        take(&t.message_id, &mut self.message_id);
    }

    /// Applying the event would change nothing: same status, and every field it gives
    /// already holds its value (fields it leaves out keep theirs anyway).
    fn holds(&self, event: &TicketEvent, refs: &Refs) -> bool {
        fn same<T: PartialEq>(given: &Option<T>, stored: &Option<T>) -> bool {
            given.is_none() || given == stored
        }
        let t = &event.ticket;
        self.status == t.status
            && same(&t.title, &self.title)
            && same(&t.category, &self.category)
            && same(&t.priority, &self.priority)
            && same(&t.opened_at, &self.opened_at)
            && same(&t.resolved_at, &self.resolved_at)
            && same(&t.closed_at, &self.closed_at)
            && same(&refs.customer_id, &self.customer_id)
            && same(&refs.agent_id, &self.agent_id)
            && same(&refs.team_id, &self.team_id)
            && same(&refs.organization_id, &self.organization_id)
            && same(&t.message_id, &self.message_id)
    }
}

/// Applies a row to a ticket already stored (`current`, kept up to date): the newest row
/// sets its state, an older one is filed in its history; a row already applied or filed
/// before changes nothing.
fn apply_to_existing(
    conn: &mut dyn Conn,
    event: &TicketEvent,
    refs: &Refs,
    current: &mut Current,
    now: Millis,
) -> Result<ImportOutcome> {
    let t = &event.ticket;
    if event.occurred_at >= current.last_event_at {
        if current.holds(event, refs) {
            // Newer, but with nothing new: only the ticket's time moves (as on the live path),
            // unless the row has no time of its own.
            if event.occurred_at == current.last_event_at || event.occurred_at == now {
                return Ok(ImportOutcome::Unchanged);
            }
            conn.execute(
                "UPDATE tickets SET last_event_at = $2, updated_at = $3 WHERE id = $1",
                params![current.id, event.occurred_at, now],
            )?;
            current.last_event_at = event.occurred_at;
            return Ok(ImportOutcome::Updated);
        }
        // Applied before, then overtaken by a row of the same instant (or, for a row
        // without a timestamp, which happens "now" at every import, by any later one).
        if History::read(conn, current.id)?.has_event(&event.event_id) {
            return Ok(ImportOutcome::Unchanged);
        }
        conn.execute(
            "UPDATE tickets SET
                 title = COALESCE($2, title), status = $3, category = COALESCE($4, category),
                 priority = COALESCE($5, priority), opened_at = COALESCE($6, opened_at),
                 resolved_at = COALESCE($7, resolved_at), closed_at = COALESCE($8, closed_at),
                 customer_id = COALESCE($9, customer_id), agent_id = COALESCE($10, agent_id),
                 team_id = COALESCE($11, team_id), organization_id = COALESCE($12, organization_id),
                 message_id = COALESCE($13, message_id), last_event_at = $14, updated_at = $15
             WHERE id = $1",
            params![
                current.id,
                t.title,
                t.status.as_str(),
                t.category,
                t.priority,
                t.opened_at,
                t.resolved_at,
                t.closed_at,
                refs.customer_id,
                refs.agent_id,
                refs.team_id,
                refs.organization_id,
                t.message_id,
                event.occurred_at,
                now
            ],
        )?;
        if current.status != t.status {
            if current.status.is_done() && !t.status.is_done() {
                crate::survey::ticket_reopened(conn, current.id, now)?;
            }
            insert_history(conn, current.id, event, current.status, true, now)?;
        }
        current.apply(event, refs);
        Ok(ImportOutcome::Updated)
    } else {
        if History::read(conn, current.id)?.already_tells(event) {
            return Ok(ImportOutcome::Unchanged);
        }
        insert_history(conn, current.id, event, current.status, false, now)?;
        Ok(ImportOutcome::Stale)
    }
}

fn insert_history(
    conn: &mut dyn Conn,
    ticket_id: i64,
    event: &TicketEvent,
    from: TicketStatus,
    applied: bool,
    now: Millis,
) -> Result<()> {
    conn.execute(
        "INSERT INTO ticket_history (ticket_id, event_id, from_status, to_status, occurred_at, applied, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            ticket_id,
            event.event_id,
            from.as_str(),
            event.ticket.status.as_str(),
            event.occurred_at,
            applied,
            now
        ],
    )?;
    Ok(())
}

/// A ticket's history, oldest first (a handful of rows).
struct History(Vec<HistoryRow>);

struct HistoryRow {
    event_id: String,
    to_status: String,
    occurred_at: Millis,
    applied: bool,
}

impl History {
    fn read(conn: &mut dyn Conn, ticket_id: i64) -> Result<History> {
        let rows = conn.query(
            "SELECT event_id, to_status, occurred_at, applied FROM ticket_history WHERE ticket_id = $1
             ORDER BY occurred_at, id",
            params![ticket_id],
        )?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(HistoryRow { event_id: r.get(0)?, to_status: r.get(1)?, occurred_at: r.get(2)?, applied: r.get(3)? })
            })
            .collect::<Result<_>>()?;
        Ok(History(rows))
    }

    fn has_event(&self, event_id: &str) -> bool {
        self.0.iter().any(|h| h.event_id == event_id)
    }

    /// Whether filing an event older than the ticket's state would tell nothing new: the
    /// history holds the event itself, or the same status at the same instant (the same
    /// fact from elsewhere: the live path, another export), or shows the ticket already in
    /// that status at that instant (a row applied before without a change of status, now
    /// overtaken: its status is on record). What makes re-importing file nothing twice.
    fn already_tells(&self, event: &TicketEvent) -> bool {
        let status = event.ticket.status.as_str();
        let recorded = self
            .0
            .iter()
            .any(|h| h.event_id == event.event_id || (h.to_status == status && h.occurred_at == event.occurred_at));
        // Applied rows only: those come in time order, so what they say about an instant
        // before the ticket's state never changes.
        let status_then = self.0.iter().rev().find(|h| h.applied && h.occurred_at <= event.occurred_at);
        recorded || status_then.is_some_and(|h| h.to_status == status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_into_the_prepared_sizes() {
        assert_eq!(split(0).collect::<Vec<_>>(), Vec::<usize>::new());
        assert_eq!(split(128).collect::<Vec<_>>(), vec![128]);
        assert_eq!(split(100).collect::<Vec<_>>(), vec![64, 32, 4]);
        assert_eq!(split(7).collect::<Vec<_>>(), vec![4, 2, 1]);
    }

    #[test]
    fn multi_row_statements_number_their_parameters() {
        let shape = Shape {
            head: "INSERT INTO t (a, b, c) VALUES ",
            row: "(?, ?, $1)",
            sep: ", ",
            tail: " RETURNING id",
            first: 2,
        };
        assert_eq!(shape.sql(2), "INSERT INTO t (a, b, c) VALUES ($2, $3, $1), ($4, $5, $1) RETURNING id");
        let shape = Shape { head: "SELECT 1 WHERE ", row: "(a = ? AND b = ?)", sep: " OR ", tail: "", first: 1 };
        assert_eq!(shape.sql(2), "SELECT 1 WHERE (a = $1 AND b = $2) OR (a = $3 AND b = $4)");
    }
}
