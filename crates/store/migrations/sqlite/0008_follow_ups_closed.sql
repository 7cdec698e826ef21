-- Reports and improvement priorities read recovery cases closed in a period.
CREATE INDEX follow_ups_closed ON follow_ups(kind, closed_at);
