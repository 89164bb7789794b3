-- The messages still to be sent get a table of their own, as on PostgreSQL
-- (see its 0016, where it makes each message's mark cheaper): a claim walks
-- the queue's rows and leases them (`claimed_until`), and sending a message
-- deletes its queue row. A queue row exists exactly while its message is
-- queued or being sent.
CREATE TABLE outbox_queue (
    id INTEGER PRIMARY KEY REFERENCES outbox (id),
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER
);
INSERT INTO outbox_queue (id, next_attempt_at, claimed_until)
SELECT id, next_attempt_at, CASE WHEN status = 'sending' THEN COALESCE(claimed_until, 0) END
FROM outbox WHERE status IN ('queued', 'sending');
DROP INDEX outbox_due;
DROP INDEX outbox_leases;
CREATE INDEX outbox_due ON outbox_queue (next_attempt_at, id) WHERE claimed_until IS NULL;
CREATE INDEX outbox_leases ON outbox_queue (claimed_until) WHERE claimed_until IS NOT NULL;
