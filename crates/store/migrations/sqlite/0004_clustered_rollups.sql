-- Rollups clustered by their key (SQLite: WITHOUT ROWID), so a metrics query reads one
-- contiguous range of the primary-key B-tree instead of an index plus the table: about a quarter
-- faster on a year of rollups. PostgreSQL keeps its heap tables (0004 there only refreshes the
-- planner's statistics).

CREATE TABLE response_rollups_clustered (
    org_id        TEXT NOT NULL,
    survey_id     TEXT NOT NULL REFERENCES surveys (id),
    question_id   TEXT NOT NULL,
    day           BIGINT NOT NULL,
    touchpoint_id TEXT NOT NULL,
    channel       TEXT NOT NULL,
    language      TEXT NOT NULL,
    b0 BIGINT NOT NULL, b1 BIGINT NOT NULL, b2 BIGINT NOT NULL, b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL, b5 BIGINT NOT NULL, b6 BIGINT NOT NULL, b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL, b9 BIGINT NOT NULL, b10 BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question_id, day, touchpoint_id, channel, language)
) WITHOUT ROWID;
INSERT INTO response_rollups_clustered SELECT * FROM response_rollups;
DROP TABLE response_rollups;
ALTER TABLE response_rollups_clustered RENAME TO response_rollups;

CREATE TABLE theme_rollups_clustered (
    org_id        TEXT NOT NULL,
    survey_id     TEXT NOT NULL REFERENCES surveys (id),
    question_id   TEXT NOT NULL,
    day           BIGINT NOT NULL,
    theme_id      TEXT NOT NULL,
    sentiment     TEXT NOT NULL,
    touchpoint_id TEXT NOT NULL,
    channel       TEXT NOT NULL,
    language      TEXT NOT NULL,
    b0 BIGINT NOT NULL, b1 BIGINT NOT NULL, b2 BIGINT NOT NULL, b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL, b5 BIGINT NOT NULL, b6 BIGINT NOT NULL, b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL, b9 BIGINT NOT NULL, b10 BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question_id, theme_id, sentiment, day, touchpoint_id, channel, language)
) WITHOUT ROWID;
INSERT INTO theme_rollups_clustered SELECT * FROM theme_rollups;
DROP TABLE theme_rollups;
ALTER TABLE theme_rollups_clustered RENAME TO theme_rollups;
