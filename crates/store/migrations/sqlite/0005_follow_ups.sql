-- Closing the loop: every answer may lead to a follow-up (a recovery case, a check-in, a
-- customer's request for help), with an owner, due times, a state and a timeline.
CREATE TABLE follow_ups (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL,
    response_id         INTEGER NOT NULL REFERENCES responses(id),
    parent_id           INTEGER REFERENCES follow_ups(id),
    ticket_id           INTEGER NOT NULL REFERENCES tickets(id),
    customer_id         INTEGER NOT NULL REFERENCES customers(id),
    -- Who and what the answer was attributed to (as sent).
    agent_id            INTEGER REFERENCES agents(id),
    team_id             INTEGER REFERENCES teams(id),
    owner_user_id       INTEGER REFERENCES staff_users(id),
    owner_queue         TEXT,
    fires_at            INTEGER NOT NULL,
    first_contact_due   INTEGER,
    due_at              INTEGER,
    first_contact_at    INTEGER,
    escalated_at        INTEGER,
    closed_at           INTEGER,
    message             TEXT,
    sent_at             INTEGER,
    customer_reply      TEXT,
    replied_at          INTEGER,
    root_cause          TEXT,
    service_gap         TEXT,
    resolved            INTEGER,
    recovery_score      INTEGER,
    recovery_answered_at INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
-- One unfinished follow-up of a kind per answer: a changed answer updates it, never doubles it.
CREATE UNIQUE INDEX follow_ups_one_open ON follow_ups(response_id, kind)
    WHERE state IN ('pending', 'open', 'in_progress');
-- Every answer looks up its follow-up: without this, each answer would scan them all.
CREATE INDEX follow_ups_response ON follow_ups(response_id);
CREATE INDEX follow_ups_owner ON follow_ups(owner_user_id, state);
CREATE INDEX follow_ups_team ON follow_ups(team_id, state);
CREATE INDEX follow_ups_due ON follow_ups(state, due_at);

CREATE TABLE follow_up_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    follow_up_id    INTEGER NOT NULL REFERENCES follow_ups(id),
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    step            TEXT,
    note            TEXT
);
CREATE INDEX follow_up_events_case ON follow_up_events(follow_up_id, at);

-- Links in follow-up emails (check-in replies, the recovery survey); only hashes are kept.
CREATE TABLE follow_up_tokens (
    token_hash      TEXT PRIMARY KEY,
    follow_up_id    INTEGER NOT NULL REFERENCES follow_ups(id),
    purpose         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
