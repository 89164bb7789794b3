-- Message-IDs are 128 random bits (`keys::message_id`), never looked up, and
-- kept by a message through every retry; their unique index goes, as on
-- PostgreSQL, where each claim and mark wrote an entry in it. SQLite keeps a
-- UNIQUE of CREATE TABLE as long as the table, so the table is made again.
-- Migrations run in a transaction, where foreign keys cannot be turned off:
-- they are checked at commit instead, by which time every message is back
-- under its own id for the delivery failures and demo mailbox rows that name it.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE outbox_kept AS SELECT * FROM outbox;
DROP TABLE outbox;
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    activation_id INTEGER REFERENCES activations (id),
    enrollment_id INTEGER REFERENCES enrollments (id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    template TEXT NOT NULL,
    message_id TEXT NOT NULL,
    not_before INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    invitation_id INTEGER REFERENCES invitations (id),
    password_reset_id INTEGER REFERENCES password_resets (id),
    notice_text TEXT,
    notice_path TEXT
);
INSERT INTO outbox (id, activation_id, enrollment_id, to_email, subject, template, message_id,
    not_before, status, attempts, next_attempt_at, claimed_until, last_error, created_at, sent_at,
    invitation_id, password_reset_id, notice_text, notice_path)
SELECT id, activation_id, enrollment_id, to_email, subject, template, message_id,
    not_before, status, attempts, next_attempt_at, claimed_until, last_error, created_at, sent_at,
    invitation_id, password_reset_id, notice_text, notice_path
FROM outbox_kept;
DROP TABLE outbox_kept;
CREATE INDEX outbox_by_enrollment ON outbox (enrollment_id, id);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX outbox_leases ON outbox (claimed_until) WHERE status = 'sending';
