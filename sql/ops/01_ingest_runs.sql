-- One row per ingest job attempt (the ingest workers report each one, failed ones too).
-- status is 'completed' or 'failed'; error is the failure's message.
CREATE TABLE IF NOT EXISTS MARS_OPS.INGEST_RUNS (
  run_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  rover_name VARCHAR NOT NULL,
  sol_start INTEGER,
  sol_end INTEGER,
  status VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  records INTEGER NOT NULL,
  quarantined INTEGER NOT NULL,
  retries INTEGER NOT NULL,
  rate_limit_waits INTEGER NOT NULL,
  rate_limit_wait_ms BIGINT NOT NULL,
  objects INTEGER NOT NULL,
  error VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  PRIMARY KEY (run_id)
);
