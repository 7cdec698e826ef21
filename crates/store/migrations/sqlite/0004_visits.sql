-- Desk visits: what a technician found and told the customer, the links printed on the
-- visit card (ticket status page), and survey decisions that belong to a visit.
CREATE TABLE visits (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    agent_id        INTEGER REFERENCES agents(id),
    recorded_by     INTEGER REFERENCES staff_users(id),
    technician_name TEXT NOT NULL,
    status          TEXT NOT NULL,
    note            TEXT,
    next_step       TEXT,
    customer_away   INTEGER NOT NULL,
    visited_at      INTEGER NOT NULL,
    -- The sender's id for the visit (API) or the form's one-time key: retries record nothing new.
    request_key     TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL
);
CREATE INDEX visits_ticket ON visits(ticket_id, visited_at);
CREATE INDEX visits_agent ON visits(agent_id, visited_at);
CREATE INDEX visits_recorded_by ON visits(recorded_by, visited_at);

-- A link to a ticket's status page; only the token's SHA-256 is kept.
CREATE TABLE status_links (
    token_hash  TEXT PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    visit_id    INTEGER REFERENCES visits(id),
    purpose     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A visit's survey decision is its own, beside the one per ticket cycle: the table is
-- rebuilt (foreign keys are off while migrations run on SQLite) to move the uniqueness
-- of (ticket, cycle) into an index that leaves visits out.
CREATE TABLE survey_decisions_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    cycle       INTEGER NOT NULL,
    visit_id    INTEGER UNIQUE REFERENCES visits(id),
    policy_id   INTEGER REFERENCES survey_policies(id),
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_at  INTEGER NOT NULL
);
INSERT INTO survey_decisions_new (id, ticket_id, cycle, policy_id, decision, reason, decided_at)
    SELECT id, ticket_id, cycle, policy_id, decision, reason, decided_at FROM survey_decisions;
DROP TABLE survey_decisions;
ALTER TABLE survey_decisions_new RENAME TO survey_decisions;
CREATE UNIQUE INDEX survey_decisions_ticket_cycle ON survey_decisions(ticket_id, cycle) WHERE visit_id IS NULL;
