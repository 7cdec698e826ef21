//! Organizations, teams, customers and agents of a batch: each read or created once.

use super::fast_hash::{FastMap, FastSet};
use super::statements::{split, Shape};
use super::Refs;
use crate::db::{Backend, Conn, ToValue};
use crate::{params, Result, StoreError};
use rapport_domain::event::TicketEvent;
use rapport_domain::time::Millis;
use std::sync::OnceLock;

/// Finds or creates the organizations, teams, customers and agents the events name, each
/// once; customers and agents take the newest details of the batch, written once.
pub(super) fn resolve_refs(conn: &mut dyn Conn, events: &[TicketEvent], now: Millis) -> Result<Vec<Refs>> {
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
