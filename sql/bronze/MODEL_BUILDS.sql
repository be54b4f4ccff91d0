{{ config(materialized='ddl') }}
-- The last complete Silver + Gold build: the newest ledger load id it read, a digest of what
-- else it depended on (the models' and data tests' text, the missing originals), and its model
-- and data test results as JSON. A build that finds both unchanged answers from this row and
-- rebuilds and re-tests nothing.
CREATE TABLE IF NOT EXISTS {{ this }} (
  last_load_id BIGINT NOT NULL,
  inputs_digest VARCHAR NOT NULL,
  built_at {{ timestamp_type() }} NOT NULL,
  models VARCHAR NOT NULL,
  tests VARCHAR
)
