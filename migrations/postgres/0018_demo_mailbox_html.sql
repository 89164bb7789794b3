-- The demo mailbox keeps each message's HTML part beside its text; messages
-- delivered before it was kept have none.
ALTER TABLE demo_mailbox ADD COLUMN html TEXT;
