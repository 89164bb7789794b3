-- A failed try can also be a refusal for good (the message is given up at
-- once) or a secure connection that could not be set up.
ALTER TABLE delivery_failures DROP CONSTRAINT delivery_failures_kind_check;
ALTER TABLE delivery_failures ADD CONSTRAINT delivery_failures_kind_check
    CHECK (kind IN ('refused', 'rejected', 'unreachable', 'timed_out', 'insecure', 'not_composed'));
