-- Instants are BIGINT milliseconds since the Unix epoch (UTC), as on SQLite.
-- Flags are BIGINT 0/1 on both databases (one decoding path for both).
CREATE TABLE organizations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE teams (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE customers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT,
    organization_id BIGINT REFERENCES organizations(id),
    vip             BIGINT NOT NULL DEFAULT 0,
    language        TEXT,
    seen_at         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX customers_organization ON customers(organization_id);

CREATE TABLE agents (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT,
    team_id     BIGINT REFERENCES teams(id),
    seen_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE tickets (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    title           TEXT,
    status          TEXT NOT NULL,
    category        TEXT,
    priority        TEXT,
    opened_at       BIGINT,
    resolved_at     BIGINT,
    closed_at       BIGINT,
    customer_id     BIGINT REFERENCES customers(id),
    agent_id        BIGINT REFERENCES agents(id),
    team_id         BIGINT REFERENCES teams(id),
    organization_id BIGINT REFERENCES organizations(id),
    message_id      TEXT,
    last_event_at   BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX tickets_customer ON tickets(customer_id);
CREATE INDEX tickets_agent ON tickets(agent_id);
CREATE INDEX tickets_team ON tickets(team_id);
CREATE INDEX tickets_status_updated ON tickets(status, updated_at);

CREATE TABLE ticket_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    ticket_id   BIGINT REFERENCES tickets(id),
    received_at BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    UNIQUE (source, event_id)
);

CREATE TABLE ticket_history (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets(id),
    event_id        TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT NOT NULL,
    occurred_at     BIGINT NOT NULL,
    applied         BIGINT NOT NULL,
    recorded_at     BIGINT NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history(ticket_id, occurred_at);

CREATE TABLE api_tokens (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL,
    scope           TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    display_prefix  TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);

CREATE TABLE staff_users (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BIGINT NOT NULL,
    disabled_at          BIGINT,
    created_at           BIGINT NOT NULL
);
