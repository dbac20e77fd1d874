-- customer_attributes in fewer, narrower B-trees (issue 5: the 1,000,000-row import).
--
-- Before: a rowid table plus three indexes per value: the primary key (customer_id, key), the
-- text index (org_id, key, value_text) and the number index (org_id, key, value_num) over every
-- row. Now: the table IS its primary key (WITHOUT ROWID, keyed by customer and key: rows of new
-- customers append at the end, since customer ids are UUIDv7), and one partial number index
-- holding only number and date values. Every attribute query reaches rows by customer (the
-- EXISTS of segments and list filters, the rollups' grouping join, the deletes of an upsert or
-- an erasure) or by (org_id, key, value_num) (the at-risk list, which asks for
-- value_num IS NOT NULL); no SQLite plan used the text index, so it is not rebuilt here.
-- PostgreSQL keeps it: its planner may start a semi-join from it.
--
-- The rebuild copies every row; the customers table does not change.

CREATE TABLE customer_attributes_compact (
    org_id       TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    key          TEXT NOT NULL,
    value_text   TEXT NOT NULL,
    value_num    REAL,
    PRIMARY KEY (customer_id, key)
) WITHOUT ROWID;

INSERT INTO customer_attributes_compact (org_id, customer_id, key, value_text, value_num)
    SELECT org_id, customer_id, key, value_text, value_num FROM customer_attributes
    ORDER BY customer_id, key;

DROP TABLE customer_attributes;
ALTER TABLE customer_attributes_compact RENAME TO customer_attributes;

-- The at-risk list orders by (value_num, customer_id) within a key.
CREATE INDEX customer_attributes_num ON customer_attributes (org_id, key, value_num, customer_id)
    WHERE value_num IS NOT NULL;
