-- One row per render request: its parameters, status, timings and published object keys.
-- status is 'running', 'completed' or 'failed'; keys are set only once their objects exist.
-- Mode, stabilisation and the keys of the other videos: 04_render_views.sql.
CREATE TABLE IF NOT EXISTS MARS_LINEAGE.RENDER_RUNS (
  request_id VARCHAR NOT NULL,
  rover_name VARCHAR NOT NULL,
  camera_name VARCHAR NOT NULL,
  sol_start INTEGER NOT NULL,
  sol_end INTEGER NOT NULL,
  parameters VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  error VARCHAR,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  timings VARCHAR,
  frames_total INTEGER NOT NULL,
  frames_accepted INTEGER,
  video_key VARCHAR,
  poster_key VARCHAR,
  contact_key VARCHAR,
  manifest_key VARCHAR,
  duration_seconds DOUBLE,
  PRIMARY KEY (request_id)
);
