-- Staff sign-in: sessions (ids stored hashed), sign-in attempts for rate limiting,
-- team leads, and the audit log.
ALTER TABLE staff_users ADD COLUMN agent_id BIGINT REFERENCES agents(id);
ALTER TABLE staff_users ADD COLUMN password_changed_at BIGINT;

CREATE TABLE staff_user_teams (
    user_id BIGINT NOT NULL REFERENCES staff_users(id),
    team_id BIGINT NOT NULL REFERENCES teams(id),
    PRIMARY KEY (user_id, team_id)
);

CREATE TABLE staff_sessions (
    id_hash         TEXT PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES staff_users(id),
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);

CREATE TABLE sign_in_failures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures(key, at);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
