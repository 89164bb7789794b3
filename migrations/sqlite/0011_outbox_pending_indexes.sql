-- Only messages still to be sent are indexed: a claim walks the queued ones
-- in the order they fall due, or those whose worker's lease ran out. A message
-- sent or given up leaves both indexes, so they do not grow with the outbox's
-- history, and sending a message changes three index entries instead of eight.
DROP INDEX outbox_due;
DROP INDEX outbox_leases;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_leases ON outbox (claimed_until) WHERE status = 'sending';
