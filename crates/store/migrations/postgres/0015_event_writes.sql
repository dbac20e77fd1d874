-- Events are written many to a statement (see the SQLite file of this migration for why this
-- matters there):
-- 1. No query reads events by organisation and time any more, so events_org_time goes: it
--    cost every event an insert at a random position.
-- 2. The foreign keys are checked at commit, as on SQLite, so both backends report a
--    violation at the same moment (it fails the transaction either way).
DROP INDEX events_org_time;
ALTER TABLE events ALTER CONSTRAINT events_org_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE events ALTER CONSTRAINT events_customer_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE events ALTER CONSTRAINT events_touchpoint_id_fkey DEFERRABLE INITIALLY DEFERRED;
