-- Message-IDs are 128 random bits (`keys::message_id`), never looked up, and
-- kept by a message through every retry. Their unique index only cost: on
-- PostgreSQL every claim and every mark writes a new version of the row, and
-- each version took an entry in this index, at a random place, with a
-- uniqueness check (about two fifths of the database's work per message
-- sent, in `portal-tools bench-activation`). SQLite drops it too (its own
-- 0014), so that both folders still make the same schema.
ALTER TABLE outbox DROP CONSTRAINT outbox_message_id_key;
