-- Departments (marketing, sales, product, service, and what admins add), which departments a
-- user is limited to, and the department owning each touchpoint. users.role stays the role.
-- A user with no user_departments rows is not limited; with rows, only to those departments.
-- Shared with sqlite/0007_departments_roles.sql except the id expression below: existing
-- organisations get the default departments with random (v4) UUIDs, new ones get UUIDv7 ids
-- from the store.

CREATE TABLE departments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, key),
    UNIQUE (org_id, id)
);

CREATE TABLE user_departments (
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    department_id TEXT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (user_id, department_id)
);
CREATE INDEX user_departments_department ON user_departments (org_id, department_id);

ALTER TABLE touchpoints ADD COLUMN department_id TEXT REFERENCES departments (id);
CREATE INDEX touchpoints_department ON touchpoints (org_id, department_id);

INSERT INTO departments (id, org_id, key, name, created_at)
SELECT gen_random_uuid()::text, o.id, d.key, d.name, o.created_at
FROM organisations o
CROSS JOIN (VALUES ('marketing', 'Marketing'), ('sales', 'Sales'),
                   ('product', 'Product'), ('service', 'Service')) AS d (key, name);
