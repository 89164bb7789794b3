-- An activation keeps what its email says of its enrollment and of what the
-- order bought, written when the order is decided (enrollments and order lines
-- do not change afterwards). Sending the email then reads the activation
-- alone (see the PostgreSQL migration of the same number).
ALTER TABLE activations ADD COLUMN enrollment_number TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN enrollment_name TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN purchased TEXT NOT NULL DEFAULT '';
UPDATE activations SET
    enrollment_number = (SELECT e.enrollment_number FROM enrollments e WHERE e.id = activations.enrollment_id),
    enrollment_name = (SELECT e.name FROM enrollments e WHERE e.id = activations.enrollment_id),
    purchased = COALESCE((SELECT group_concat(p.name || ' × ' || l.quantity, ', ' ORDER BY l.line_number)
        FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = activations.order_id), '');
