{{ config(materialized='ddl') }}
-- One row per record of a raw object, its JSON as received: mars.nasa.gov raw-image feed items, variant mars2020 or msl (raw/feeds/...).
CREATE TABLE IF NOT EXISTS {{ this }} (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at {{ timestamp_type() }} NOT NULL,
  loaded_at {{ timestamp_type() }} NOT NULL,
  record_index INTEGER NOT NULL,
  record {{ json_type() }}
)
