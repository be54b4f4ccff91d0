{{ config(materialized='table') }}
-- Per rover and sol: photos taken, cameras used, and the distance driven that sol where the
-- traverse layer gives sols (Perseverance's does; Curiosity's does not).
WITH photos AS (
  SELECT rover_name, sol, MIN(earth_date) AS earth_date, COUNT(*) AS photos, COUNT(DISTINCT camera_name) AS cameras
  FROM {{ ref('FACT_PHOTOS') }}
  GROUP BY rover_name, sol
),

drives AS (
  SELECT rover_name, sol, SUM(length_m) AS distance_m, COUNT(*) AS segments
  FROM {{ ref('FACT_PATH') }}
  WHERE sol IS NOT NULL
  GROUP BY rover_name, sol
)

SELECT
  COALESCE(p.rover_name, d.rover_name) AS rover_name,
  COALESCE(p.sol, d.sol) AS sol,
  p.earth_date,
  COALESCE(p.photos, 0) AS photos,
  COALESCE(p.cameras, 0) AS cameras,
  COALESCE(d.distance_m, 0) AS distance_m,
  COALESCE(d.segments, 0) AS drive_segments
FROM photos p
FULL OUTER JOIN drives d ON d.rover_name = p.rover_name AND d.sol = p.sol
