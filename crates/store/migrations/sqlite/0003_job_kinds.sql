-- Schedulers ask "is a job of this kind queued or running?" at every start and every minute.
CREATE INDEX jobs_kind_state ON jobs (kind, state);
