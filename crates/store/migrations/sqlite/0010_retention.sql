-- Retention: one policy per organisation and data class (how many days data is kept, and
-- whether it is then deleted or anonymised), and a record of every run with what it did.
CREATE TABLE retention_policies (
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    data_class TEXT NOT NULL CHECK (data_class IN ('comments', 'responses')),
    action     TEXT NOT NULL CHECK (action IN ('delete', 'anonymise')),
    days       BIGINT NOT NULL CHECK (days >= 1),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, data_class)
);

CREATE TABLE retention_runs (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    -- JSON: [{"data_class", "action", "days", "cutoff", "affected"}]
    report      TEXT NOT NULL
);
CREATE INDEX retention_runs_org ON retention_runs (org_id, started_at);

-- What retention did to the response's comments: NULL (nothing), 'anonymised' or 'deleted'; so
-- no run does the same twice, and a delete policy still reaches anonymised comments.
ALTER TABLE responses ADD COLUMN comments_state TEXT CHECK (comments_state IN ('anonymised', 'deleted'));
