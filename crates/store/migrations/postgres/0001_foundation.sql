-- Foundation: tenants, accounts, touchpoints, surveys, responses, rollups, jobs.
-- Conventions (shared with sqlite/0001_foundation.sql): ids are UUIDv7 TEXT, times are
-- unix milliseconds (BIGINT), JSON is TEXT, every table carries org_id.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    language      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE touchpoints (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    name        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE surveys (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    name          TEXT NOT NULL,
    public_token  TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    definition    TEXT NOT NULL,
    touchpoint_id TEXT REFERENCES touchpoints (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    closed_at     BIGINT
);
CREATE INDEX surveys_org ON surveys (org_id, id);

CREATE TABLE responses (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    survey_id     TEXT NOT NULL REFERENCES surveys (id),
    touchpoint_id TEXT REFERENCES touchpoints (id),
    language      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    answers       TEXT NOT NULL,
    external_id   TEXT,
    fingerprint   TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    received_at   BIGINT NOT NULL,
    UNIQUE (survey_id, external_id)
);
CREATE INDEX responses_survey_time ON responses (survey_id, submitted_at, id);
CREATE INDEX responses_org_time ON responses (org_id, submitted_at, id);

-- Per-day score histograms: the sufficient statistics of NPS, CSAT and CES. Maintained in the
-- same transaction as the responses they count; b<i> counts score (scale minimum + i).
-- touchpoint_id is '' for "no touchpoint" so the key has no NULLs.
CREATE TABLE response_rollups (
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
);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    org_id       TEXT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_after    BIGINT NOT NULL,
    locked_until BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_after);
