-- On PostgreSQL the engine decides two shares of the queue side by side, by
-- enrollment, so that two batches never hold orders of one enrollment (R1).
-- The enrollment is kept on the queue row, and each share's claim walks an
-- index of its own pending orders, oldest first. The 2 here is the engine's
-- number of shares (`SHARES` in app/src/activation/engine.rs).
ALTER TABLE activation_queue ADD COLUMN enrollment_id BIGINT REFERENCES enrollments (id);
UPDATE activation_queue q SET enrollment_id = o.enrollment_id FROM orders o WHERE o.id = q.order_id;
ALTER TABLE activation_queue ALTER COLUMN enrollment_id SET NOT NULL;
CREATE INDEX activation_queue_shares ON activation_queue ((enrollment_id % 2), id) WHERE decided_at IS NULL;
