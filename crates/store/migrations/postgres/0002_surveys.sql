-- Surveys: policies, decisions, invitations (with one token per email sent), answers,
-- scheduled jobs and the outbox every message leaves through.
CREATE TABLE settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);

ALTER TABLE customers ADD COLUMN opted_out_at BIGINT;
-- Incremented each time a finished ticket is reopened: one survey decision per cycle.
ALTER TABLE tickets ADD COLUMN cycle BIGINT NOT NULL DEFAULT 0;

-- The policy itself is JSON: nothing queries inside it, and its shape grows with features.
CREATE TABLE survey_policies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    is_default  BIGINT NOT NULL,
    body        TEXT NOT NULL,
    deleted_at  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX survey_policies_one_default ON survey_policies(is_default) WHERE is_default = 1;

CREATE TABLE survey_decisions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    cycle       BIGINT NOT NULL,
    policy_id   BIGINT REFERENCES survey_policies(id),
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_at  BIGINT NOT NULL,
    UNIQUE (ticket_id, cycle)
);

CREATE TABLE invitations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets(id),
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    policy_id       BIGINT NOT NULL REFERENCES survey_policies(id),
    decision_id     BIGINT NOT NULL REFERENCES survey_decisions(id),
    channel         TEXT NOT NULL,
    state           TEXT NOT NULL,
    send_at         BIGINT NOT NULL,
    sent_at         BIGINT,
    expires_at      BIGINT,
    reminders_sent  BIGINT NOT NULL DEFAULT 0,
    -- Who and what the answer is attributed to, fixed when the survey is sent.
    agent_id        BIGINT REFERENCES agents(id),
    team_id         BIGINT REFERENCES teams(id),
    category        TEXT,
    organization_id BIGINT REFERENCES organizations(id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX invitations_customer ON invitations(customer_id, created_at);
CREATE INDEX invitations_ticket ON invitations(ticket_id);

CREATE TABLE invitation_tokens (
    token_hash      TEXT PRIMARY KEY,
    invitation_id   BIGINT NOT NULL REFERENCES invitations(id),
    purpose         TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE responses (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invitation_id       BIGINT NOT NULL UNIQUE REFERENCES invitations(id),
    ticket_id           BIGINT NOT NULL REFERENCES tickets(id),
    customer_id         BIGINT NOT NULL REFERENCES customers(id),
    channel             TEXT NOT NULL,
    csat                BIGINT NOT NULL,
    nps                 BIGINT,
    effort              BIGINT,
    comment             TEXT,
    reasons             TEXT NOT NULL,
    automated           BIGINT NOT NULL,
    automated_reason    TEXT,
    agent_id            BIGINT REFERENCES agents(id),
    team_id             BIGINT REFERENCES teams(id),
    category            TEXT,
    organization_id     BIGINT REFERENCES organizations(id),
    first_answered_at   BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    changes             BIGINT NOT NULL
);
CREATE INDEX responses_answered ON responses(first_answered_at);
CREATE INDEX responses_ticket ON responses(ticket_id);

CREATE TABLE response_changes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    response_id     BIGINT NOT NULL REFERENCES responses(id),
    csat            BIGINT NOT NULL,
    changed_at      BIGINT NOT NULL
);
CREATE INDEX response_changes_response ON response_changes(response_id, changed_at);

-- Work scheduled for later: a row with a run time, never an in-process timer.
CREATE TABLE jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref_id      BIGINT NOT NULL,
    run_at      BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    done_at     BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at) WHERE done_at IS NULL;

-- Every message leaves through here, written in the transaction that caused it.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    sender          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
