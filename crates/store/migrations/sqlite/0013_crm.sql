-- The CRM link: each customer's latest experience per metric (maintained by the response
-- writer in the response's transaction; filled from existing responses by a data step that
-- runs in this migration's transaction, see migrate.rs) and saved customer segments.

CREATE TABLE customer_latest (
    org_id         TEXT NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers (id),
    -- nps, csat or ces
    metric         TEXT NOT NULL CHECK (metric IN ('nps', 'csat', 'ces')),
    score          BIGINT NOT NULL,
    -- the response's submission time; ties are broken by the response id
    submitted_at   BIGINT NOT NULL,
    response_id    TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    question_id    TEXT NOT NULL,
    touchpoint_id  TEXT,
    PRIMARY KEY (customer_id, metric)
);
CREATE INDEX customer_latest_org ON customer_latest (org_id, metric, score);
CREATE INDEX customer_latest_response ON customer_latest (response_id);

CREATE TABLE segments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    -- the conditions as canonical JSON (touchpoint_domain::segment::Condition::to_json)
    conditions   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
