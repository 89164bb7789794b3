-- Organisations, partners and portal users.
-- Flags are 0/1 integers and times are Unix seconds, on both backends.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'partner', 'operator'))
);

CREATE TABLE partner_customers (
    partner_id INTEGER NOT NULL REFERENCES organisations (id),
    customer_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (partner_id, customer_id)
);
CREATE INDEX partner_customers_by_customer ON partner_customers (customer_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('vlsc_admin', 'ola', 'osm', 'partner', 'support', 'roc')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX users_by_organisation ON users (organisation_id);

CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    failed_at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (throttle_key, failed_at);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (failed_at);
