-- One row per warehouse build (load, originals check, models, data tests).
CREATE TABLE IF NOT EXISTS MARS_OPS.BUILDS (
  build_id VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  objects_loaded INTEGER NOT NULL,
  objects_refused INTEGER NOT NULL,
  tests_passed INTEGER NOT NULL,
  tests_warned INTEGER NOT NULL,
  tests_failed INTEGER NOT NULL,
  ok BOOLEAN NOT NULL,
  ms DOUBLE NOT NULL,
  PRIMARY KEY (build_id)
);
-- One row per model a build ran: rows after the run, rows merged (incremental models).
CREATE TABLE IF NOT EXISTS MARS_OPS.MODEL_RUNS (
  build_id VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  materialized VARCHAR NOT NULL,
  row_count BIGINT,
  merged BIGINT,
  ms DOUBLE NOT NULL,
  PRIMARY KEY (build_id, model)
);
-- One row per data test a build ran. status: 'pass', 'warn' (rows of a warn test) or 'fail'.
CREATE TABLE IF NOT EXISTS MARS_OPS.DATA_TEST_RESULTS (
  build_id VARCHAR NOT NULL,
  test_name VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  failures BIGINT,
  error VARCHAR,
  PRIMARY KEY (build_id, test_name)
);
