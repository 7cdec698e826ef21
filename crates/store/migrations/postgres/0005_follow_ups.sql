-- Closing the loop: every answer may lead to a follow-up (a recovery case, a check-in, a
-- customer's request for help), with an owner, due times, a state and a timeline.
CREATE TABLE follow_ups (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                TEXT NOT NULL,
    state               TEXT NOT NULL,
    response_id         BIGINT NOT NULL REFERENCES responses(id),
    parent_id           BIGINT REFERENCES follow_ups(id),
    ticket_id           BIGINT NOT NULL REFERENCES tickets(id),
    customer_id         BIGINT NOT NULL REFERENCES customers(id),
    -- Who and what the answer was attributed to (as sent).
    agent_id            BIGINT REFERENCES agents(id),
    team_id             BIGINT REFERENCES teams(id),
    owner_user_id       BIGINT REFERENCES staff_users(id),
    owner_queue         TEXT,
    fires_at            BIGINT NOT NULL,
    first_contact_due   BIGINT,
    due_at              BIGINT,
    first_contact_at    BIGINT,
    escalated_at        BIGINT,
    closed_at           BIGINT,
    message             TEXT,
    sent_at             BIGINT,
    customer_reply      TEXT,
    replied_at          BIGINT,
    root_cause          TEXT,
    service_gap         TEXT,
    resolved            BIGINT,
    recovery_score      BIGINT,
    recovery_answered_at BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
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
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follow_up_id    BIGINT NOT NULL REFERENCES follow_ups(id),
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    step            TEXT,
    note            TEXT
);
CREATE INDEX follow_up_events_case ON follow_up_events(follow_up_id, at);

-- Links in follow-up emails (check-in replies, the recovery survey); only hashes are kept.
CREATE TABLE follow_up_tokens (
    token_hash      TEXT PRIMARY KEY,
    follow_up_id    BIGINT NOT NULL REFERENCES follow_ups(id),
    purpose         TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
