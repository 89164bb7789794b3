-- Activation-link keys live in the portal's configuration, never in the
-- database: each activation records only the id of the key that made its link.
ALTER TABLE activations ADD COLUMN link_key_id TEXT;
DROP TABLE portal_secrets;
