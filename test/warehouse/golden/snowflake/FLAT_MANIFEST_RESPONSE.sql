-- One row per rover: its latest manifest.
SELECT
  b.rover AS rover_name,
  b.record:name::VARCHAR AS name,
  TRY_TO_DATE(b.record:landing_date::VARCHAR) AS landing_date,
  TRY_TO_DATE(b.record:launch_date::VARCHAR) AS launch_date,
  b.record:status::VARCHAR AS status,
  TRY_TO_NUMBER(TO_VARCHAR(b.record:max_sol)) AS max_sol,
  TRY_TO_DATE(b.record:max_date::VARCHAR) AS max_date,
  TRY_TO_NUMBER(TO_VARCHAR(b.record:total_photos)) AS total_photos,
  ARRAY_SIZE(b.record:photos) AS sol_entries,
  b.ingested_at,
  b.object_key
FROM MARS_BRONZE.RAW_MANIFEST_RESPONSE b
QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1
