-- A failed try can also be a refusal for good (the message is given up at
-- once) or a secure connection that could not be set up. SQLite cannot change
-- a CHECK in place: the table is written anew with its rows.
CREATE TABLE delivery_failures_new (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    attempt INTEGER NOT NULL,
    failed_at INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('refused', 'rejected', 'unreachable', 'timed_out', 'insecure', 'not_composed')),
    error TEXT NOT NULL
);
INSERT INTO delivery_failures_new (id, outbox_id, attempt, failed_at, kind, error)
    SELECT id, outbox_id, attempt, failed_at, kind, error FROM delivery_failures;
DROP TABLE delivery_failures;
ALTER TABLE delivery_failures_new RENAME TO delivery_failures;
CREATE INDEX delivery_failures_by_message ON delivery_failures (outbox_id, attempt);
