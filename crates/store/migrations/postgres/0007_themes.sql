-- Managers' names for comment themes. A theme's key is its stem or stem pair (stable as
-- comments arrive); a row renames it (label), merges it into another key (merged_into), or
-- both. Deleting the row undoes both. Who changed it last and when; the audit log keeps
-- the history.
CREATE TABLE theme_names (
    key         TEXT PRIMARY KEY,
    label       TEXT,
    merged_into TEXT,
    updated_by  BIGINT REFERENCES staff_users(id),
    updated_at  BIGINT NOT NULL,
    CHECK (label IS NOT NULL OR merged_into IS NOT NULL),
    CHECK (merged_into IS NULL OR merged_into <> key)
);
