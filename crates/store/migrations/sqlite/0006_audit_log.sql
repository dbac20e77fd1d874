-- The audit log: one row per configuration or security change (who, when, what, before/after
-- summary, from which address and interface). Append-only: the database itself refuses to
-- update or delete a row, whatever role or code path asks.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    actor_token_id TEXT,
    interface TEXT NOT NULL CHECK (interface IN ('api', 'web', 'cli', 'system')),
    address TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    summary TEXT NOT NULL
);
CREATE INDEX audit_log_org_at ON audit_log (org_id, at, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
