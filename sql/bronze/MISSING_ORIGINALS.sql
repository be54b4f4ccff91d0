{{ config(materialized='ddl') }}
-- Downloaded originals (MARS_LINEAGE.IMAGE_ASSETS) whose object the last check of the store did
-- not find. Only code can look into the store, so the check (src/warehouse/check-originals.ts)
-- writes this table before each build, replacing its rows; PHOTO_ANOMALIES reads it as the
-- `missing-original` kind, like any other raw observation.
CREATE TABLE IF NOT EXISTS {{ this }} (
  image_id VARCHAR NOT NULL,
  rover_name VARCHAR,
  camera_name VARCHAR,
  sol INTEGER,
  object_key VARCHAR NOT NULL,
  source_url VARCHAR,
  checked_at {{ timestamp_type() }} NOT NULL,
  PRIMARY KEY (image_id)
)
