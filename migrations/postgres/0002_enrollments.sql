-- Enrollments, their contract contacts, the product catalogue, orders (a
-- reservation is an order too, R1/R3), online accounts and the activation queue.
-- Dates are ISO text (YYYY-MM-DD), times Unix seconds, flags 0/1.
CREATE TABLE enrollments (
    id BIGSERIAL PRIMARY KEY,
    enrollment_number TEXT NOT NULL UNIQUE,
    agreement_number TEXT NOT NULL,
    name TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES organisations (id),
    partner_id BIGINT NOT NULL REFERENCES organisations (id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'expired'))
);
CREATE INDEX enrollments_by_customer ON enrollments (customer_id, enrollment_number);
CREATE INDEX enrollments_by_partner ON enrollments (partner_id, enrollment_number);
CREATE INDEX enrollments_by_agreement ON enrollments (agreement_number);

-- Contract-level contacts (eMSL's master record).
CREATE TABLE enrollment_contacts (
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    contact_type TEXT NOT NULL CHECK (contact_type IN ('pri', 'ntc', 'osm', 'bill_to')),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    PRIMARY KEY (enrollment_id, contact_type)
);

-- The OSM's manage-reservation permission, per enrollment (R3).
CREATE TABLE reservation_permissions (
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (enrollment_id, user_id)
);

CREATE TABLE products (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('online', 'azure', 'on_premises'))
);

-- Orders placed by partners and reservations made by customers. The
-- organisation columns copy the enrollment's, so scoped lists use one index.
CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY,
    order_number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('order', 'reservation')),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    customer_id BIGINT NOT NULL REFERENCES organisations (id),
    partner_id BIGINT NOT NULL REFERENCES organisations (id),
    purchase_date TEXT NOT NULL,
    usage_start_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('placed', 'cancelled')),
    placed_by BIGINT REFERENCES users (id),
    placed_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    request_key TEXT UNIQUE
);
CREATE INDEX orders_by_enrollment ON orders (enrollment_id, id);
CREATE INDEX orders_by_kind ON orders (kind, id);
CREATE INDEX orders_by_customer ON orders (customer_id, kind, id);
CREATE INDEX orders_by_partner ON orders (partner_id, kind, id);

CREATE TABLE order_lines (
    order_id BIGINT NOT NULL REFERENCES orders (id),
    line_number BIGINT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    quantity BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    PRIMARY KEY (order_id, line_number)
);

-- Online accounts (tenants) and which enrollment is bound to which.
CREATE TABLE online_accounts (
    id BIGSERIAL PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    global_admin_email TEXT NOT NULL,
    billing_admin_email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX online_accounts_by_global_admin ON online_accounts (global_admin_email);
CREATE INDEX online_accounts_by_billing_admin ON online_accounts (billing_admin_email);

CREATE TABLE enrollment_accounts (
    enrollment_id BIGINT PRIMARY KEY REFERENCES enrollments (id),
    account_id BIGINT NOT NULL REFERENCES online_accounts (id),
    associated_at BIGINT NOT NULL
);

-- Every new order waits here, written in the order's own transaction, until the
-- activation engine decides what it means (R1, R11).
CREATE TABLE activation_queue (
    id BIGSERIAL PRIMARY KEY,
    order_id BIGINT NOT NULL UNIQUE REFERENCES orders (id),
    enqueued_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX activation_queue_pending ON activation_queue (decided_at, id);
