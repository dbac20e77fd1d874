-- Journeys: a journey has ordered stages, a stage ordered touchpoints, and a touchpoint sits in
-- at most one stage (stage_touchpoints.touchpoint_id is the key). Touchpoints also get what the
-- journey map shows: a key for events, a moment-of-truth flag and the experience they should give.
CREATE TABLE journeys (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE journey_stages (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    journey_id  TEXT NOT NULL REFERENCES journeys (id),
    name        TEXT NOT NULL,
    position    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (journey_id, name)
);
CREATE INDEX journey_stages_journey ON journey_stages (journey_id, position);

CREATE TABLE stage_touchpoints (
    touchpoint_id TEXT PRIMARY KEY REFERENCES touchpoints (id),
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    stage_id      TEXT NOT NULL REFERENCES journey_stages (id),
    position      BIGINT NOT NULL
);
CREATE INDEX stage_touchpoints_stage ON stage_touchpoints (stage_id, position);

ALTER TABLE touchpoints ADD COLUMN key TEXT;
ALTER TABLE touchpoints ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE touchpoints ADD COLUMN moment_of_truth BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX touchpoints_org_key ON touchpoints (org_id, key);

-- The flat touchpoints of earlier versions join the model: each organisation that has any gets
-- one journey with one stage holding them in order of creation. The journey and the stage take
-- the organisation's id (unique in their tables, and a valid UUID).
INSERT INTO journeys (id, org_id, name, description, created_at, updated_at)
SELECT o.id, o.id, 'Customer journey', '', CAST(strftime('%s', 'now') AS BIGINT) * 1000,
       CAST(strftime('%s', 'now') AS BIGINT) * 1000
FROM organisations o WHERE EXISTS (SELECT 1 FROM touchpoints t WHERE t.org_id = o.id);

INSERT INTO journey_stages (id, org_id, journey_id, name, position, created_at)
SELECT j.id, j.org_id, j.id, 'Touchpoints', 0, j.created_at FROM journeys j;

INSERT INTO stage_touchpoints (touchpoint_id, org_id, stage_id, position)
SELECT t.id, t.org_id, t.org_id,
       ROW_NUMBER() OVER (PARTITION BY t.org_id ORDER BY t.created_at, t.id) - 1
FROM touchpoints t;
