-- Interaction events from any system, kept once per (organisation, external id), and their
-- daily counts per touchpoint and type (what the journey map and paths read, not the events).
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    external_id   TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    touchpoint_id TEXT NOT NULL REFERENCES touchpoints (id),
    channel       TEXT NOT NULL,
    type          TEXT NOT NULL,
    outcome       TEXT,
    properties    TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    received_at   BIGINT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX events_customer_time ON events (customer_id, occurred_at, id);
CREATE INDEX events_org_time ON events (org_id, occurred_at, id);

CREATE TABLE event_rollups (
    org_id        TEXT NOT NULL,
    touchpoint_id TEXT NOT NULL,
    day           BIGINT NOT NULL,
    type          TEXT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (org_id, touchpoint_id, day, type)
);
