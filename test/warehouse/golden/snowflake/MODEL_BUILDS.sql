-- The last complete Silver + Gold build: the newest ledger load id it read, a digest of what
-- else it depended on (the models' and data tests' text, the missing originals), and its model
-- and data test results as JSON. A build that finds both unchanged answers from this row and
-- rebuilds and re-tests nothing.
CREATE TABLE IF NOT EXISTS MARS_BRONZE.MODEL_BUILDS (
  last_load_id BIGINT NOT NULL,
  inputs_digest VARCHAR NOT NULL,
  built_at TIMESTAMP_NTZ NOT NULL,
  models VARCHAR NOT NULL,
  tests VARCHAR
)
