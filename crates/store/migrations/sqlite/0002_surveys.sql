-- Surveys: policies, decisions, invitations (with one token per email sent), answers,
-- scheduled jobs and the outbox every message leaves through.
CREATE TABLE settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);

ALTER TABLE customers ADD COLUMN opted_out_at INTEGER;
-- Incremented each time a finished ticket is reopened: one survey decision per cycle.
ALTER TABLE tickets ADD COLUMN cycle INTEGER NOT NULL DEFAULT 0;

-- The policy itself is JSON: nothing queries inside it, and its shape grows with features.
CREATE TABLE survey_policies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    is_default  INTEGER NOT NULL,
    body        TEXT NOT NULL,
    deleted_at  INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX survey_policies_one_default ON survey_policies(is_default) WHERE is_default = 1;

CREATE TABLE survey_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    cycle       INTEGER NOT NULL,
    policy_id   INTEGER REFERENCES survey_policies(id),
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_at  INTEGER NOT NULL,
    UNIQUE (ticket_id, cycle)
);

CREATE TABLE invitations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    policy_id       INTEGER NOT NULL REFERENCES survey_policies(id),
    decision_id     INTEGER NOT NULL REFERENCES survey_decisions(id),
    channel         TEXT NOT NULL,
    state           TEXT NOT NULL,
    send_at         INTEGER NOT NULL,
    sent_at         INTEGER,
    expires_at      INTEGER,
    reminders_sent  INTEGER NOT NULL DEFAULT 0,
    -- Who and what the answer is attributed to, fixed when the survey is sent.
    agent_id        INTEGER REFERENCES agents(id),
    team_id         INTEGER REFERENCES teams(id),
    category        TEXT,
    organization_id INTEGER REFERENCES organizations(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX invitations_customer ON invitations(customer_id, created_at);
CREATE INDEX invitations_ticket ON invitations(ticket_id);

CREATE TABLE invitation_tokens (
    token_hash      TEXT PRIMARY KEY,
    invitation_id   INTEGER NOT NULL REFERENCES invitations(id),
    purpose         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE responses (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    invitation_id       INTEGER NOT NULL UNIQUE REFERENCES invitations(id),
    ticket_id           INTEGER NOT NULL REFERENCES tickets(id),
    customer_id         INTEGER NOT NULL REFERENCES customers(id),
    channel             TEXT NOT NULL,
    csat                INTEGER NOT NULL,
    nps                 INTEGER,
    effort              INTEGER,
    comment             TEXT,
    reasons             TEXT NOT NULL,
    automated           INTEGER NOT NULL,
    automated_reason    TEXT,
    agent_id            INTEGER REFERENCES agents(id),
    team_id             INTEGER REFERENCES teams(id),
    category            TEXT,
    organization_id     INTEGER REFERENCES organizations(id),
    first_answered_at   INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    changes             INTEGER NOT NULL
);
CREATE INDEX responses_answered ON responses(first_answered_at);
CREATE INDEX responses_ticket ON responses(ticket_id);

CREATE TABLE response_changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id     INTEGER NOT NULL REFERENCES responses(id),
    csat            INTEGER NOT NULL,
    changed_at      INTEGER NOT NULL
);
CREATE INDEX response_changes_response ON response_changes(response_id, changed_at);

-- Work scheduled for later: a row with a run time, never an in-process timer.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    ref_id      INTEGER NOT NULL,
    run_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    done_at     INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at) WHERE done_at IS NULL;

-- Every message leaves through here, written in the transaction that caused it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    sender          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
