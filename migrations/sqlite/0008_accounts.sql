-- Accounts people can trust: invitations and password resets (single-use links
-- of which only a hash is kept), signed-in sessions a user can see and end,
-- and two-step sign-in (TOTP secrets, single-use recovery codes).
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('vlsc_admin', 'ola', 'osm', 'partner', 'support', 'roc')),
    invited_by INTEGER REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'withdrawn')),
    link_version INTEGER NOT NULL DEFAULT 1,
    link_salt TEXT NOT NULL,
    link_key_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    user_id INTEGER REFERENCES users (id)
);
-- One pending invitation per address: inviting twice is one invitation.
CREATE UNIQUE INDEX invitations_pending_by_email ON invitations (email) WHERE status = 'pending';
CREATE INDEX invitations_by_organisation ON invitations (organisation_id, status, id);

CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    link_salt TEXT NOT NULL,
    link_key_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER,
    ended_at INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at);

ALTER TABLE outbox ADD COLUMN invitation_id INTEGER REFERENCES invitations (id);
ALTER TABLE outbox ADD COLUMN password_reset_id INTEGER REFERENCES password_resets (id);

-- Each sign-in: the session record holds this row's id; ending the row ends
-- the session at its next request, on every portal instance.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    started_at INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    address TEXT NOT NULL,
    browser TEXT NOT NULL,
    ended_at INTEGER,
    ended_reason TEXT
);
CREATE INDEX user_sessions_by_user ON user_sessions (user_id, ended_at);

ALTER TABLE users ADD COLUMN password_changed_at INTEGER;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX recovery_codes_by_user ON recovery_codes (user_id);

-- The audit trail holds changes (contacts, permissions, decisions) and
-- security events (sign-ins, invitations, passwords, sessions), read apart.
ALTER TABLE audit_trail ADD COLUMN category TEXT NOT NULL DEFAULT 'change' CHECK (category IN ('change', 'security'));
CREATE INDEX audit_trail_by_category ON audit_trail (organisation_id, category, id);
