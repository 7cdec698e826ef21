//! The outbox: every message is written in the transaction that caused it, then
//! delivered by a worker at least once, with backoff, into a visible dead letter when
//! it keeps failing. Claims are leases, so a crashed worker's messages go out again.

use crate::db::{Backend, Conn, Row};
use crate::params;
use crate::Result;
use crate::Store;
use rapport_domain::time::Millis;
use serde::Serialize;

pub const MAX_ATTEMPTS: i64 = 8;
const LEASE_MS: Millis = 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// `email`, `slack`, `teams`, `webhook`.
    pub kind: String,
    /// Unique: enqueueing the same key twice keeps the first message.
    pub idempotency_key: String,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    /// For email, the complete RFC 5322 message, sent byte for byte on every attempt.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub idempotency_key: String,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    #[serde(skip)]
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

pub fn enqueue(conn: &mut dyn Conn, message: &NewMessage, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT INTO outbox (kind, idempotency_key, sender, recipient, subject, body, state, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) ON CONFLICT (idempotency_key) DO NOTHING",
        params![message.kind, message.idempotency_key, message.sender, message.recipient, message.subject, message.body, now],
    )
    .map(drop)
}

const SELECT_MESSAGE: &str = "SELECT id, kind, idempotency_key, sender, recipient, subject, body, state, attempts,
    next_attempt_at, last_error, created_at, sent_at FROM outbox";

fn message_from_row(r: &Row) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        kind: r.get(1)?,
        idempotency_key: r.get(2)?,
        sender: r.get(3)?,
        recipient: r.get(4)?,
        subject: r.get(5)?,
        body: r.get(6)?,
        state: r.get(7)?,
        attempts: r.get(8)?,
        next_attempt_at: r.get(9)?,
        last_error: r.get(10)?,
        created_at: r.get(11)?,
        sent_at: r.get(12)?,
    })
}

impl Store {
    /// Leases up to `limit` due messages to the caller for a minute.
    pub async fn claim_outbox(&self, now: Millis, limit: i64) -> Result<Vec<OutboxMessage>> {
        self.write(move |conn| {
            let lock = if conn.backend() == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
            let sql = format!(
                "{SELECT_MESSAGE} WHERE state = 'pending' AND next_attempt_at <= $1
                   AND (locked_until IS NULL OR locked_until <= $1)
                 ORDER BY next_attempt_at, id LIMIT $2{lock}"
            );
            let messages: Vec<OutboxMessage> =
                conn.query(&sql, params![now, limit])?.iter().map(message_from_row).collect::<Result<_>>()?;
            for message in &messages {
                conn.execute("UPDATE outbox SET locked_until = $1 WHERE id = $2", params![now + LEASE_MS, message.id])?;
            }
            Ok(messages)
        })
        .await
    }

    /// Delivered: the body is erased (it may hold survey links), the headers stay.
    pub async fn outbox_sent(&self, id: i64, now: Millis) -> Result<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1, locked_until = NULL, body = ''
                 WHERE id = $2",
                params![now, id],
            )
            .map(drop)
        })
        .await
    }

    /// Not delivered: try again with exponential backoff (30 s, 1 min, 2 min … capped at
    /// 2 h), or give up into `dead` after `MAX_ATTEMPTS` or a permanent failure.
    pub async fn outbox_failed(&self, id: i64, error: String, permanent: bool, now: Millis) -> Result<()> {
        self.write(move |conn| {
            let attempts: i64 = conn.value("SELECT attempts FROM outbox WHERE id = $1", params![id])?;
            let attempts = attempts + 1;
            let dead = permanent || attempts >= MAX_ATTEMPTS;
            let backoff = (30_000i64 << (attempts - 1).min(8)).min(7_200_000);
            conn.execute(
                "UPDATE outbox SET attempts = $1, last_error = $2, state = $3, next_attempt_at = $4, locked_until = NULL
                 WHERE id = $5",
                params![attempts, error, if dead { "dead" } else { "pending" }, now + backoff, id],
            )
            .map(drop)
        })
        .await
    }

    /// The newest messages, optionally of one state (`pending`, `sent`, `dead`).
    pub async fn outbox_messages(&self, state: Option<String>, limit: i64) -> Result<Vec<OutboxMessage>> {
        self.read(move |conn| {
            let sql =
                format!("{SELECT_MESSAGE} WHERE (CAST($1 AS TEXT) IS NULL OR state = $1) ORDER BY id DESC LIMIT $2");
            conn.query(&sql, params![state, limit])?.iter().map(message_from_row).collect()
        })
        .await
    }
}
