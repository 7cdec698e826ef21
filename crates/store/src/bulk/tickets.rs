//! Tickets of a batch: new ones created by multi-row statements, stored ones read once
//! and the rows that name them applied in order.

use super::fast_hash::FastMap;
use super::statements::{split, Shape};
use super::{ImportOutcome, Refs};
use crate::db::{Backend, Conn, ToValue};
use crate::{params, Result, StoreError};
use rapport_domain::event::TicketEvent;
use rapport_domain::time::Millis;
use rapport_domain::TicketStatus;
use std::sync::OnceLock;

/// Imports up to [`super::CHUNK`] rows: the first row of each ticket not yet stored creates it
/// (one multi-row `INSERT` for all of them); the stored tickets the other rows name are
/// read (on PostgreSQL, locked) with one statement; then those rows are applied one by
/// one, in order, against that state, which each applied row updates.
pub(super) fn import_chunk(
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
