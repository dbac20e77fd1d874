-- Text analytics in the product: one analysis per response with free text, its themes, and
-- per-day score histograms by theme and sentiment (so metrics can be filtered by them without
-- scanning responses). theme_id '' in theme_rollups stands for "any comment" and carries the
-- comment's overall sentiment. Floating-point columns are the one type spelled per backend.

CREATE TABLE response_analyses (
    response_id   TEXT PRIMARY KEY REFERENCES responses (id),
    org_id        TEXT NOT NULL,
    survey_id     TEXT NOT NULL,
    -- the free text that was analysed (all text answers of the response, one per line)
    text          TEXT NOT NULL,
    language      TEXT NOT NULL,
    sentiment     TEXT NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    analysis      TEXT NOT NULL,
    taxonomy_hash TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    analysed_at   BIGINT NOT NULL
);
CREATE INDEX response_analyses_org_time ON response_analyses (org_id, submitted_at);
CREATE INDEX response_analyses_sentiment ON response_analyses (org_id, sentiment, submitted_at);

CREATE TABLE response_themes (
    response_id  TEXT NOT NULL REFERENCES responses (id),
    org_id       TEXT NOT NULL,
    survey_id    TEXT NOT NULL,
    theme_id     TEXT NOT NULL,
    sentiment    TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (response_id, theme_id)
);
CREATE INDEX response_themes_theme ON response_themes (org_id, theme_id, submitted_at);

CREATE TABLE theme_rollups (
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
);

-- Re-analysis runs after a taxonomy or model change, with visible progress.
CREATE TABLE text_runs (
    id            TEXT PRIMARY KEY,
    taxonomy_hash TEXT NOT NULL,
    total         BIGINT NOT NULL,
    done          BIGINT NOT NULL,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT
);

-- Instance-wide key/value settings (e.g. the taxonomy hash the stored analyses were made with).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
