-- Each failed try to hand a message to the mail server, for the delivery
-- timeline; a sent message's last try is its sent_at.
CREATE TABLE delivery_failures (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempt BIGINT NOT NULL,
    failed_at BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('refused', 'unreachable', 'timed_out', 'not_composed')),
    error TEXT NOT NULL
);
CREATE INDEX delivery_failures_by_message ON delivery_failures (outbox_id, attempt);

-- Claims of workers that stopped are found by their lease, walking an index.
CREATE INDEX outbox_leases ON outbox (status, claimed_until);
