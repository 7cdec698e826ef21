-- Rollups for dashboards: counts per day × team × agent × category × organization × channel,
-- kept up to date in the transaction that saves each answer, so a dashboard reads a number of
-- rows that depends on the period and filters, not on how many answers exist. Attribution is
-- the one fixed when the survey was sent; `0` / '' stand for "none" (keys cannot be NULL).
-- Answers flagged as automated are not counted. `rapport rollups rebuild` recomputes it all.
CREATE TABLE answer_rollups (
    day             INTEGER NOT NULL,
    team_id         INTEGER NOT NULL,
    agent_id        INTEGER NOT NULL,
    category        TEXT NOT NULL,
    organization_id INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    -- Surveys sent that day (by the day they were sent), for the response rate.
    invited         INTEGER NOT NULL DEFAULT 0,
    responses       INTEGER NOT NULL,
    csat1           INTEGER NOT NULL,
    csat2           INTEGER NOT NULL,
    csat3           INTEGER NOT NULL,
    csat4           INTEGER NOT NULL,
    csat5           INTEGER NOT NULL,
    nps0            INTEGER NOT NULL,
    nps1            INTEGER NOT NULL,
    nps2            INTEGER NOT NULL,
    nps3            INTEGER NOT NULL,
    nps4            INTEGER NOT NULL,
    nps5            INTEGER NOT NULL,
    nps6            INTEGER NOT NULL,
    nps7            INTEGER NOT NULL,
    nps8            INTEGER NOT NULL,
    nps9            INTEGER NOT NULL,
    nps10            INTEGER NOT NULL,
    effort_n        INTEGER NOT NULL,
    effort_sum      INTEGER NOT NULL,
    effort_squares  INTEGER NOT NULL,
    comments        INTEGER NOT NULL,
    PRIMARY KEY (day, team_id, agent_id, category, organization_id, channel)
);
CREATE INDEX answer_rollups_team ON answer_rollups(team_id, day);
CREATE INDEX answer_rollups_agent ON answer_rollups(agent_id, day);

-- The same counts sliced by one dimension at a time (`all` with key '', `team`, `agent`,
-- `category`, `organization`, `channel` with the id or name as key): a year of a desk's trend
-- or its table per team reads at most 365 × (number of keys) rows, however many answers exist.
CREATE TABLE rollup_slices (
    day             INTEGER NOT NULL,
    dimension       TEXT NOT NULL,
    key             TEXT NOT NULL,
    invited         INTEGER NOT NULL DEFAULT 0,
    responses       INTEGER NOT NULL,
    csat1           INTEGER NOT NULL,
    csat2           INTEGER NOT NULL,
    csat3           INTEGER NOT NULL,
    csat4           INTEGER NOT NULL,
    csat5           INTEGER NOT NULL,
    nps0            INTEGER NOT NULL,
    nps1            INTEGER NOT NULL,
    nps2            INTEGER NOT NULL,
    nps3            INTEGER NOT NULL,
    nps4            INTEGER NOT NULL,
    nps5            INTEGER NOT NULL,
    nps6            INTEGER NOT NULL,
    nps7            INTEGER NOT NULL,
    nps8            INTEGER NOT NULL,
    nps9            INTEGER NOT NULL,
    nps10            INTEGER NOT NULL,
    effort_n        INTEGER NOT NULL,
    effort_sum      INTEGER NOT NULL,
    effort_squares  INTEGER NOT NULL,
    comments        INTEGER NOT NULL,
    PRIMARY KEY (dimension, key, day)
);
