-- The activation engine's decisions (R1, R2, R8, R11), the activations and their
-- links (R9: only a hash of the link's token is kept), and the email outbox.
CREATE TABLE activation_decisions (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    kind TEXT NOT NULL CHECK (kind IN ('ols', 'azure')),
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    recipient_email TEXT,
    recipient_contact TEXT,
    decided_at BIGINT NOT NULL,
    UNIQUE (order_id, kind)
);
CREATE INDEX activation_decisions_by_enrollment ON activation_decisions (enrollment_id, id);

CREATE TABLE activations (
    id BIGSERIAL PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL CHECK (kind IN ('ols', 'azure')),
    recipient_email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    link_version BIGINT NOT NULL DEFAULT 1,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    account_id BIGINT REFERENCES online_accounts (id),
    UNIQUE (enrollment_id, kind)
);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    activation_id BIGINT REFERENCES activations (id),
    enrollment_id BIGINT REFERENCES enrollments (id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    template TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    not_before BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_by_enrollment ON outbox (enrollment_id, id);

-- Demo mode only: where messages go when no SMTP server is configured.
CREATE TABLE demo_mailbox (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL UNIQUE REFERENCES outbox (id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    message_id TEXT NOT NULL,
    delivered_at BIGINT NOT NULL
);

-- Secrets generated once per deployment and shared by every portal instance
-- (the key activation links are derived from).
CREATE TABLE portal_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
