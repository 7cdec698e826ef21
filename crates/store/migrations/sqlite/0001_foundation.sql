-- Instants are INTEGER milliseconds since the Unix epoch (UTC), as on PostgreSQL.
-- Flags are INTEGER 0/1 on both databases (one decoding path for both).
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT,
    organization_id INTEGER REFERENCES organizations(id),
    vip             INTEGER NOT NULL DEFAULT 0,
    language        TEXT,
    seen_at         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX customers_organization ON customers(organization_id);

CREATE TABLE agents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT,
    team_id     INTEGER REFERENCES teams(id),
    seen_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    title           TEXT,
    status          TEXT NOT NULL,
    category        TEXT,
    priority        TEXT,
    opened_at       INTEGER,
    resolved_at     INTEGER,
    closed_at       INTEGER,
    customer_id     INTEGER REFERENCES customers(id),
    agent_id        INTEGER REFERENCES agents(id),
    team_id         INTEGER REFERENCES teams(id),
    organization_id INTEGER REFERENCES organizations(id),
    message_id      TEXT,
    last_event_at   INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_agent ON tickets(agent_id);
CREATE INDEX tickets_team ON tickets(team_id);
CREATE INDEX tickets_status_updated ON tickets(status, updated_at);

CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    ticket_id   INTEGER REFERENCES tickets(id),
    received_at INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    UNIQUE (source, event_id)
);

CREATE TABLE ticket_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    event_id        TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    occurred_at     INTEGER NOT NULL,
    applied         INTEGER NOT NULL,
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history(ticket_id, occurred_at);

CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    display_prefix  TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
);

CREATE TABLE staff_users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    disabled_at          INTEGER,
    created_at           INTEGER NOT NULL
);
