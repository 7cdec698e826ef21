-- Desk visits: what a technician found and told the customer, the links printed on the
-- visit card (ticket status page), and survey decisions that belong to a visit.
CREATE TABLE visits (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets(id),
    agent_id        BIGINT REFERENCES agents(id),
    recorded_by     BIGINT REFERENCES staff_users(id),
    technician_name TEXT NOT NULL,
    status          TEXT NOT NULL,
    note            TEXT,
    next_step       TEXT,
    customer_away   BIGINT NOT NULL,
    visited_at      BIGINT NOT NULL,
    -- The sender's id for the visit (API) or the form's one-time key: retries record nothing new.
    request_key     TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL
);
CREATE INDEX visits_ticket ON visits(ticket_id, visited_at);
CREATE INDEX visits_agent ON visits(agent_id, visited_at);
CREATE INDEX visits_recorded_by ON visits(recorded_by, visited_at);

-- A link to a ticket's status page; only the token's SHA-256 is kept.
CREATE TABLE status_links (
    token_hash  TEXT PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    visit_id    BIGINT REFERENCES visits(id),
    purpose     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A visit's survey decision is its own, beside the one per ticket cycle.
ALTER TABLE survey_decisions ADD COLUMN visit_id BIGINT UNIQUE REFERENCES visits(id);
ALTER TABLE survey_decisions DROP CONSTRAINT survey_decisions_ticket_id_cycle_key;
CREATE UNIQUE INDEX survey_decisions_ticket_cycle ON survey_decisions(ticket_id, cycle) WHERE visit_id IS NULL;
