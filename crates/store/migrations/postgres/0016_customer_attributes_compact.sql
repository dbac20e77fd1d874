-- customer_attributes in narrower indexes (issue 5: the 1,000,000-row import).
--
-- SQLite rebuilds the table WITHOUT ROWID keyed by (customer_id, key), which a PostgreSQL heap
-- table with that primary key already is. What both backends share: the number index holds
-- only number and date values (the at-risk list, its one user, asks for
-- value_num IS NOT NULL) and ends with customer_id, the at-risk list's tie-break. The text
-- index stays on PostgreSQL, whose planner may start the attribute EXISTS of a segment from
-- it as a semi-join; no data changes.

DROP INDEX customer_attributes_num;
CREATE INDEX customer_attributes_num ON customer_attributes (org_id, key, value_num, customer_id)
    WHERE value_num IS NOT NULL;
