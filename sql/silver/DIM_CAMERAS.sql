{{ config(materialized='table') }}
-- One row per camera of each rover, as the ingested photos name it.
SELECT
  p.rover_name,
  p.camera_name,
  MAX(p.camera_full_name) AS camera_full_name,
  COUNT(*) AS photos,
  COUNT(CASE WHEN p.sample_type = 'full' THEN 1 END) AS full_frames,
  MIN(p.sol) AS first_sol,
  MAX(p.sol) AS last_sol
FROM {{ ref('FLAT_PHOTO_RESPONSE') }} p
WHERE p.camera_name IS NOT NULL
GROUP BY p.rover_name, p.camera_name
