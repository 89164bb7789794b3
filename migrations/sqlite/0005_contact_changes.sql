-- Contact changes (R5, R6, R7): eMSL's master record carries a version; VLSC and
-- explore.ms each keep their own copy of every contact; a CICR records one
-- requested change; propagation jobs copy an applied change to each system;
-- support tickets and the audit trail record what follows.
ALTER TABLE enrollment_contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- What each downstream system shows. `version` is the eMSL version it reflects.
CREATE TABLE contact_copies (
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    contact_type TEXT NOT NULL CHECK (contact_type IN ('pri', 'ntc', 'osm', 'bill_to')),
    system TEXT NOT NULL CHECK (system IN ('vlsc', 'explore')),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    version INTEGER NOT NULL,
    synced_at INTEGER NOT NULL,
    PRIMARY KEY (enrollment_id, contact_type, system)
);
INSERT INTO contact_copies (enrollment_id, contact_type, system, name, email, phone, version, synced_at)
    SELECT enrollment_id, contact_type, 'vlsc', name, email, phone, version, 0 FROM enrollment_contacts;
INSERT INTO contact_copies (enrollment_id, contact_type, system, name, email, phone, version, synced_at)
    SELECT enrollment_id, contact_type, 'explore', name, email, phone, version, 0 FROM enrollment_contacts;

-- Contract Information Change Requests. `route` is R7's: no_touch (PRI, NTC,
-- OSM) or manual (bill-to, worked by ROC). The organisation columns copy the
-- enrollment's, so scoped lists use one index.
CREATE TABLE contact_changes (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    customer_id INTEGER NOT NULL REFERENCES organisations (id),
    partner_id INTEGER NOT NULL REFERENCES organisations (id),
    contact_type TEXT NOT NULL CHECK (contact_type IN ('pri', 'ntc', 'osm', 'bill_to')),
    route TEXT NOT NULL CHECK (route IN ('no_touch', 'manual')),
    status TEXT NOT NULL CHECK (status IN ('awaiting_roc', 'rejected', 'conflict', 'propagating', 'complete')),
    new_name TEXT NOT NULL,
    new_email TEXT NOT NULL,
    new_phone TEXT NOT NULL,
    old_name TEXT,
    old_email TEXT,
    old_phone TEXT,
    reason TEXT NOT NULL,
    billing_address TEXT,
    billing_city TEXT,
    billing_postal_code TEXT,
    billing_country TEXT,
    purchase_order TEXT,
    resend_activation INTEGER NOT NULL CHECK (resend_activation IN (0, 1)),
    base_version INTEGER NOT NULL,
    applied_version INTEGER,
    submitted_by INTEGER NOT NULL REFERENCES users (id),
    submitted_at INTEGER NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at INTEGER,
    decision_comment TEXT,
    applied_at INTEGER,
    completed_at INTEGER,
    request_key TEXT NOT NULL UNIQUE
);
CREATE INDEX contact_changes_by_enrollment ON contact_changes (enrollment_id, id);
CREATE INDEX contact_changes_by_customer ON contact_changes (customer_id, id);
CREATE INDEX contact_changes_by_partner ON contact_changes (partner_id, id);
CREATE INDEX contact_changes_by_status ON contact_changes (status, id);

-- One job per applied change and downstream system; applying a job copies its
-- values only over an older version, so running it twice changes nothing.
CREATE TABLE propagation_jobs (
    id INTEGER PRIMARY KEY,
    change_id INTEGER REFERENCES contact_changes (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    contact_type TEXT NOT NULL,
    system TEXT NOT NULL CHECK (system IN ('vlsc', 'explore')),
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    done_at INTEGER,
    UNIQUE (enrollment_id, contact_type, system, version)
);
CREATE INDEX propagation_jobs_due ON propagation_jobs (done_at, due_at);
CREATE INDEX propagation_jobs_by_change ON propagation_jobs (change_id);

-- Requests for the support console, such as sending the activation email again
-- after a contact change (R7).
CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    customer_id INTEGER NOT NULL REFERENCES organisations (id),
    change_id INTEGER UNIQUE REFERENCES contact_changes (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'refused')),
    requested_by INTEGER REFERENCES users (id),
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX support_tickets_by_customer ON support_tickets (customer_id, id);
CREATE INDEX support_tickets_by_status ON support_tickets (status, id);

-- Who changed what, when and why. Append-only: the triggers refuse changes.
CREATE TABLE audit_trail (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations (id),
    enrollment_id INTEGER REFERENCES enrollments (id),
    actor_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    reason TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX audit_trail_by_organisation ON audit_trail (organisation_id, id);
CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
