-- The pipeline's own history, so the /pipeline page survives restarts and can be queried:
-- ingest runs, builds with their model runs and data-test results, dead letters and their
-- replays. Plain SQL that DuckDB and Snowflake both run as is (TIMESTAMP is Snowflake's
-- TIMESTAMP_NTZ, in UTC); written by src/warehouse/ops/ops-store.ts, rows only ever added.
CREATE SCHEMA IF NOT EXISTS MARS_OPS;
