-- An activation keeps what its email says of its enrollment and of what the
-- order bought, written when the order is decided (enrollments and order lines
-- do not change afterwards). Sending the email then reads the activation
-- alone: before, each message sent also read its enrollment, its order's
-- lines and their products, about three fifths of the claim's work in
-- `portal-tools bench-activation`.
ALTER TABLE activations ADD COLUMN enrollment_number TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN enrollment_name TEXT NOT NULL DEFAULT '';
ALTER TABLE activations ADD COLUMN purchased TEXT NOT NULL DEFAULT '';
UPDATE activations a SET enrollment_number = e.enrollment_number, enrollment_name = e.name,
    purchased = COALESCE((SELECT string_agg(p.name || ' × ' || l.quantity, ', ' ORDER BY l.line_number)
        FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = a.order_id), '')
FROM enrollments e WHERE e.id = a.enrollment_id;
