-- The support console (R4, R5, R9, R10): tickets carry who asked, what was
-- done and how it ended; each action is logged, and the audit entries and
-- propagation jobs a ticket made point back to it.
ALTER TABLE support_tickets ADD COLUMN asked_by TEXT;
ALTER TABLE support_tickets ADD COLUMN opened_by BIGINT REFERENCES users (id);
ALTER TABLE support_tickets ADD COLUMN detail TEXT;
ALTER TABLE support_tickets ADD COLUMN outcome TEXT;
ALTER TABLE support_tickets ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX support_tickets_by_request_key ON support_tickets (request_key);

CREATE TABLE ticket_actions (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES support_tickets (id),
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX ticket_actions_by_ticket ON ticket_actions (ticket_id, id);

ALTER TABLE audit_trail ADD COLUMN ticket_id BIGINT REFERENCES support_tickets (id);
CREATE INDEX audit_trail_by_ticket ON audit_trail (ticket_id);
ALTER TABLE propagation_jobs ADD COLUMN ticket_id BIGINT REFERENCES support_tickets (id);
CREATE INDEX propagation_jobs_by_ticket ON propagation_jobs (ticket_id);
