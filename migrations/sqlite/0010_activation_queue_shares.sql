-- The enrollment is kept on the queue row, as on PostgreSQL, where the engine
-- decides two shares of the queue side by side, by enrollment (R1); the same
-- index keeps the two schemas alike. SQLite cannot add a NOT NULL column to a
-- table with rows, so the table is made again.
CREATE TABLE activation_queue_new (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL UNIQUE REFERENCES orders (id),
    enqueued_at INTEGER NOT NULL,
    decided_at INTEGER,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id)
);
INSERT INTO activation_queue_new (id, order_id, enqueued_at, decided_at, enrollment_id)
SELECT q.id, q.order_id, q.enqueued_at, q.decided_at, o.enrollment_id
FROM activation_queue q JOIN orders o ON o.id = q.order_id;
DROP TABLE activation_queue;
ALTER TABLE activation_queue_new RENAME TO activation_queue;
CREATE INDEX activation_queue_pending ON activation_queue (decided_at, id);
CREATE INDEX activation_queue_shares ON activation_queue ((enrollment_id % 2), id) WHERE decided_at IS NULL;
