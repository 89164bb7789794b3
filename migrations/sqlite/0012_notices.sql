-- Notices (a CICR decided or complete, an OSM's address corrected) are written
-- when they are queued, with the page they link to; the link's address is
-- added when the message is sent.
ALTER TABLE outbox ADD COLUMN notice_text TEXT;
ALTER TABLE outbox ADD COLUMN notice_path TEXT;
