-- Rollups for dashboards: counts per day × team × agent × category × organization × channel,
-- kept up to date in the transaction that saves each answer, so a dashboard reads a number of
-- rows that depends on the period and filters, not on how many answers exist. Attribution is
-- the one fixed when the survey was sent; `0` / '' stand for "none" (keys cannot be NULL).
-- Answers flagged as automated are not counted. `rapport rollups rebuild` recomputes it all.
CREATE TABLE answer_rollups (
    day             BIGINT NOT NULL,
    team_id         BIGINT NOT NULL,
    agent_id        BIGINT NOT NULL,
    category        TEXT NOT NULL,
    organization_id BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    -- Surveys sent that day (by the day they were sent), for the response rate.
    invited         BIGINT NOT NULL DEFAULT 0,
    responses       BIGINT NOT NULL,
    csat1           BIGINT NOT NULL,
    csat2           BIGINT NOT NULL,
    csat3           BIGINT NOT NULL,
    csat4           BIGINT NOT NULL,
    csat5           BIGINT NOT NULL,
    nps0            BIGINT NOT NULL,
    nps1            BIGINT NOT NULL,
    nps2            BIGINT NOT NULL,
    nps3            BIGINT NOT NULL,
    nps4            BIGINT NOT NULL,
    nps5            BIGINT NOT NULL,
    nps6            BIGINT NOT NULL,
    nps7            BIGINT NOT NULL,
    nps8            BIGINT NOT NULL,
    nps9            BIGINT NOT NULL,
    nps10            BIGINT NOT NULL,
    effort_n        BIGINT NOT NULL,
    effort_sum      BIGINT NOT NULL,
    effort_squares  BIGINT NOT NULL,
    comments        BIGINT NOT NULL,
    PRIMARY KEY (day, team_id, agent_id, category, organization_id, channel)
);
CREATE INDEX answer_rollups_team ON answer_rollups(team_id, day);
CREATE INDEX answer_rollups_agent ON answer_rollups(agent_id, day);

-- The same counts sliced by one dimension at a time (`all` with key '', `team`, `agent`,
-- `category`, `organization`, `channel` with the id or name as key): a year of a desk's trend
-- or its table per team reads at most 365 × (number of keys) rows, however many answers exist.
CREATE TABLE rollup_slices (
    day             BIGINT NOT NULL,
    dimension       TEXT NOT NULL,
    key             TEXT NOT NULL,
    invited         BIGINT NOT NULL DEFAULT 0,
    responses       BIGINT NOT NULL,
    csat1           BIGINT NOT NULL,
    csat2           BIGINT NOT NULL,
    csat3           BIGINT NOT NULL,
    csat4           BIGINT NOT NULL,
    csat5           BIGINT NOT NULL,
    nps0            BIGINT NOT NULL,
    nps1            BIGINT NOT NULL,
    nps2            BIGINT NOT NULL,
    nps3            BIGINT NOT NULL,
    nps4            BIGINT NOT NULL,
    nps5            BIGINT NOT NULL,
    nps6            BIGINT NOT NULL,
    nps7            BIGINT NOT NULL,
    nps8            BIGINT NOT NULL,
    nps9            BIGINT NOT NULL,
    nps10            BIGINT NOT NULL,
    effort_n        BIGINT NOT NULL,
    effort_sum      BIGINT NOT NULL,
    effort_squares  BIGINT NOT NULL,
    comments        BIGINT NOT NULL,
    PRIMARY KEY (dimension, key, day)
);
