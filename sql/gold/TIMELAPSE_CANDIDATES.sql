{{ config(materialized='table') }}
-- Per rover, camera and sol: the full-size frames available for a timelapse, and the span of
-- time (or spacecraft clock) they cover. Frames themselves are selected from FACT_PHOTOS.
SELECT
  p.rover_name,
  p.camera_name,
  p.sol,
  MIN(p.earth_date) AS earth_date,
  COUNT(*) AS full_frames,
  COUNT(p.taken_at) AS frames_with_time,
  MIN(p.taken_at) AS first_taken_at,
  MAX(p.taken_at) AS last_taken_at,
  MIN(p.sclk) AS first_sclk,
  MAX(p.sclk) AS last_sclk,
  MAX(p.width) AS max_width,
  MAX(p.height) AS max_height
FROM {{ ref('FACT_PHOTOS') }} p
WHERE p.is_full AND p.camera_name IS NOT NULL
GROUP BY p.rover_name, p.camera_name, p.sol
