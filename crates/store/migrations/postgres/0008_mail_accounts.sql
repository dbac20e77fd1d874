-- Mail and the account lifecycle: the outbox the mail.send job delivers from, invitations,
-- password resets, deactivation and optional TOTP two-factor authentication.
-- Only SHA-256 hashes of invitation, reset and sign-in challenge tokens are stored.
-- (Shared with sqlite/0008_mail_accounts.sql; 0007 belongs to departments and roles.)

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,
    template        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at BIGINT NOT NULL,
    related_id      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_org ON mail_outbox (org_id, created_at, id);
CREATE INDEX mail_outbox_related ON mail_outbox (org_id, related_id);

CREATE TABLE invitations (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations (id),
    email          TEXT NOT NULL,
    role           TEXT NOT NULL,
    language       TEXT NOT NULL,
    department_ids TEXT NOT NULL DEFAULT '[]',
    token_hash     TEXT NOT NULL UNIQUE,
    invited_by     TEXT REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    accepted_at    BIGINT,
    revoked_at     BIGINT
);
CREATE INDEX invitations_org ON invitations (org_id, created_at, id);

CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX password_resets_user ON password_resets (org_id, user_id);

-- The second step of a sign-in with two-factor authentication: the password was right, the
-- code is still to come. No session exists until it does.
CREATE TABLE signin_challenges (
    id_hash     TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
-- Base32 TOTP secret (RFC 6238); NULL when two-factor authentication is off.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- The last accepted TOTP time step: a code is accepted only for a later step (no replay).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
