-- No query reads events by organisation and time any more: the journey map reads the daily
-- counts, paths and timelines read events_customer_path. The index only cost every event an
-- insert at a random position (events arrive out of time order), so it goes.
DROP INDEX events_org_time;
