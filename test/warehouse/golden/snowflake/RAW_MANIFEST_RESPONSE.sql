-- One row per record of a raw object, its JSON as received: photo_manifest objects (raw/manifests/...).
CREATE TABLE IF NOT EXISTS MARS_BRONZE.RAW_MANIFEST_RESPONSE (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  record_index INTEGER NOT NULL,
  record VARIANT
)
