-- The customer directory: attribute definitions per organisation, customers keyed by the
-- organisation's own external id, their typed attributes, and the link from responses.
-- Attributes live twice: as a JSON object on the customer (the copy that is read) and as one
-- row per value in customer_attributes (the copy that is filtered, with plain indexes on
-- text and number values, the same on both backends).

CREATE TABLE attribute_definitions (
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('string', 'number', 'date', 'boolean')),
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE customers (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    external_id     TEXT NOT NULL,
    email           TEXT,
    phone           TEXT,
    name            TEXT,
    -- lower-cased name for the prefix search
    name_key        TEXT,
    language        TEXT,
    consent_email   BIGINT NOT NULL,
    consent_sms     BIGINT NOT NULL,
    consent_in_app  BIGINT NOT NULL,
    attributes      TEXT NOT NULL,
    -- hash of the validated content: a replay of the same content changes nothing
    fingerprint     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX customers_org_created ON customers (org_id, created_at, id);
CREATE INDEX customers_org_email ON customers (org_id, email);
CREATE INDEX customers_org_name ON customers (org_id, name_key);

CREATE TABLE customer_attributes (
    org_id       TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    key          TEXT NOT NULL,
    value_text   TEXT NOT NULL,
    value_num    REAL,
    PRIMARY KEY (customer_id, key)
);
CREATE INDEX customer_attributes_text ON customer_attributes (org_id, key, value_text);
CREATE INDEX customer_attributes_num ON customer_attributes (org_id, key, value_num);

-- What a response naming an unknown customer does: create the customer, or reject the response.
ALTER TABLE organisations ADD COLUMN unknown_customers TEXT NOT NULL DEFAULT 'create'
    CHECK (unknown_customers IN ('create', 'reject'));

ALTER TABLE responses ADD COLUMN customer_id TEXT REFERENCES customers (id);
CREATE INDEX responses_customer ON responses (customer_id);
