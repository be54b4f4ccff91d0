-- One row per downloaded original, cached in the object store under object_key.
CREATE TABLE IF NOT EXISTS MARS_LINEAGE.IMAGE_ASSETS (
  image_id VARCHAR NOT NULL,
  rover_name VARCHAR,
  camera_name VARCHAR,
  sol INTEGER,
  source_url VARCHAR NOT NULL,
  object_key VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  bytes BIGINT NOT NULL,
  content_type VARCHAR NOT NULL,
  width INTEGER,
  height INTEGER,
  fetched_at TIMESTAMP NOT NULL,
  PRIMARY KEY (image_id)
);
