-- Per rover and camera: how many photos, over which sols and dates.
SELECT
  p.rover_name,
  p.camera_name,
  COUNT(*) AS photos,
  COUNT(CASE WHEN p.is_full THEN 1 END) AS full_frames,
  COUNT(DISTINCT p.sol) AS sols,
  MIN(p.sol) AS first_sol,
  MAX(p.sol) AS last_sol,
  MIN(p.earth_date) AS first_earth_date,
  MAX(p.earth_date) AS last_earth_date
FROM MARS_SILVER.FACT_PHOTOS p
GROUP BY p.rover_name, p.camera_name
