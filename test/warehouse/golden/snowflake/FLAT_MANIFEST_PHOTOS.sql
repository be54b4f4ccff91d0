-- One row per sol entry of each rover's latest manifest (sols without photos have no entry).
-- Only the photos array crosses into the flatten: the whole record would be copied into every row.
WITH latest AS (
  SELECT b.rover, b.record:photos AS photos
  FROM MARS_BRONZE.RAW_MANIFEST_RESPONSE b
  QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1
)

SELECT
  latest.rover AS rover_name,
  TRY_TO_NUMBER(TO_VARCHAR(e.value:sol)) AS sol,
  TRY_TO_DATE(e.value:earth_date::VARCHAR) AS earth_date,
  TRY_TO_NUMBER(TO_VARCHAR(e.value:total_photos)) AS total_photos,
  ARRAY_SIZE(e.value:cameras) AS camera_count,
  e.value:cameras AS cameras
FROM latest, LATERAL FLATTEN(input => latest.photos) AS e
