-- Events are written many to a statement. Two changes make those statements cheaper:
--
-- 1. No query reads events by organisation and time any more (the journey map reads the daily
--    counts; paths and timelines read events_customer_path), so events_org_time goes: it cost
--    every event an insert at a random position, since events arrive out of time order.
-- 2. The foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED) instead of per
--    statement. With immediate checks SQLite must be able to undo a half-done multi-row
--    statement, so it first copies every page the statement changes into a statement journal
--    (a third of the insert's CPU). The writer inserts with OR FAIL and the keys are checked
--    at commit, so no statement ever needs undoing: a violation still fails the transaction.
--
-- SQLite cannot change a constraint in place: the table is rebuilt with the same columns.
CREATE TABLE events_rebuilt (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id) DEFERRABLE INITIALLY DEFERRED,
    external_id   TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    touchpoint_id TEXT NOT NULL REFERENCES touchpoints (id) DEFERRABLE INITIALLY DEFERRED,
    channel       TEXT NOT NULL,
    type          TEXT NOT NULL,
    outcome       TEXT,
    properties    TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    received_at   BIGINT NOT NULL,
    UNIQUE (org_id, external_id)
);
INSERT INTO events_rebuilt (id, org_id, external_id, customer_id, touchpoint_id, channel, type,
    outcome, properties, fingerprint, occurred_at, received_at)
SELECT id, org_id, external_id, customer_id, touchpoint_id, channel, type,
    outcome, properties, fingerprint, occurred_at, received_at
FROM events ORDER BY rowid;
DROP TABLE events;
ALTER TABLE events_rebuilt RENAME TO events;
CREATE INDEX events_customer_path ON events (customer_id, occurred_at, id, touchpoint_id);
