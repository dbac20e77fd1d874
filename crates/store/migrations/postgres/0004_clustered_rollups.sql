-- SQLite rebuilds its rollup tables WITHOUT ROWID in this migration. PostgreSQL keeps its heap
-- tables, whose primary-key indexes already serve the metrics queries; only the planner's
-- statistics are refreshed.
ANALYZE response_rollups;
ANALYZE theme_rollups;
