-- Per rover and camera: does the camera shoot more on sols the rover drives? Pearson
-- correlation of the camera's photos per sol with metres driven per sol, over the sols of
-- rovers whose traverse layer gives sols (null where it cannot be computed).
WITH days AS (
  SELECT rover_name, sol, distance_m
  FROM MARS_GOLD.DAILY_ACTIVITY
  WHERE rover_name IN (SELECT DISTINCT rover_name FROM MARS_SILVER.FACT_PATH WHERE sol IS NOT NULL)
),

cameras AS (
  SELECT DISTINCT rover_name, camera_name FROM MARS_SILVER.FACT_PHOTOS
),

per_sol AS (
  SELECT rover_name, camera_name, sol, COUNT(*) AS photos
  FROM MARS_SILVER.FACT_PHOTOS
  GROUP BY rover_name, camera_name, sol
),

grid AS (
  SELECT c.rover_name, c.camera_name, d.sol, d.distance_m, COALESCE(s.photos, 0) AS photos
  FROM cameras c
  JOIN days d ON d.rover_name = c.rover_name
  LEFT JOIN per_sol s ON s.rover_name = c.rover_name AND s.camera_name = c.camera_name AND s.sol = d.sol
)

SELECT
  rover_name,
  camera_name,
  COUNT(*) AS sols,
  CAST(SUM(photos) AS BIGINT) AS photos,
  SUM(distance_m) AS distance_m,
  COUNT(CASE WHEN distance_m > 0 THEN 1 END) AS driving_sols,
  CORR(CAST(photos AS DOUBLE), distance_m) AS photos_distance_correlation
FROM grid
GROUP BY rover_name, camera_name
