-- The messages still to be sent get a table of their own: a claim walks and
-- locks the queue's rows, and sending a message deletes its queue row. The
-- outbox row is then written once per message in columns no index reads
-- (status, attempts, sent_at…), which PostgreSQL does in place on the same
-- page (a HOT update) when the page has room: `fillfactor = 50` leaves it.
-- Before, each mark was a new version of the row with new entries in the
-- outbox's indexes, which cost half of the database's work per message sent
-- (`portal-tools bench-activation`). A queue row exists exactly while its
-- message is queued or being sent (`claimed_until`: a lease, on SQLite).
CREATE TABLE outbox_queue (
    id BIGINT PRIMARY KEY REFERENCES outbox (id),
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT
);
INSERT INTO outbox_queue (id, next_attempt_at, claimed_until)
SELECT id, next_attempt_at, CASE WHEN status = 'sending' THEN COALESCE(claimed_until, 0) END
FROM outbox WHERE status IN ('queued', 'sending');
DROP INDEX outbox_due;
DROP INDEX outbox_leases;
CREATE INDEX outbox_due ON outbox_queue (next_attempt_at, id) WHERE claimed_until IS NULL;
CREATE INDEX outbox_leases ON outbox_queue (claimed_until) WHERE claimed_until IS NOT NULL;
ALTER TABLE outbox SET (fillfactor = 50);
