{{ config(materialized='ddl') }}
-- The loader's ledger: one row per raw object version (key + ETag) it has taken or refused.
-- load_id orders loads; Silver's incremental models pick up Bronze rows with a larger one.
CREATE TABLE IF NOT EXISTS {{ this }} (
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  load_id BIGINT NOT NULL,
  source VARCHAR,
  table_name VARCHAR,
  record_count BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  reason VARCHAR,
  loaded_at {{ timestamp_type() }} NOT NULL,
  PRIMARY KEY (object_key, etag)
)
