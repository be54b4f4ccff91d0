-- One row per candidate frame of a run: where it came from, its measurements and the decision.
-- frame_index is its position in the video, null when rejected; reason is null when accepted.
CREATE TABLE IF NOT EXISTS MARS_LINEAGE.RENDER_FRAMES (
  request_id VARCHAR NOT NULL,
  image_id VARCHAR NOT NULL,
  sol INTEGER,
  candidate_index INTEGER NOT NULL,
  frame_index INTEGER,
  accepted BOOLEAN NOT NULL,
  reason VARCHAR,
  detail VARCHAR,
  metrics VARCHAR,
  source_url VARCHAR NOT NULL,
  object_key VARCHAR,
  PRIMARY KEY (request_id, candidate_index)
);
