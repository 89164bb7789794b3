-- The reservations list sorts by usage start date as well as by when a
-- reservation was placed, and filters by status: these indexes let each
-- scope walk its page, and count, by key.
CREATE INDEX orders_by_kind_start ON orders (kind, usage_start_date, id);
CREATE INDEX orders_by_customer_start ON orders (customer_id, kind, usage_start_date, id);
CREATE INDEX orders_by_partner_start ON orders (partner_id, kind, usage_start_date, id);
CREATE INDEX orders_by_kind_status ON orders (kind, status, id);
