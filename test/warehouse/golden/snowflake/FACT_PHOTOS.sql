-- The photo fact: one row per image with the keys other tools select frames by
-- (rover_name, camera_name, sol, sample_type) and the order they play in (taken_at or sclk, then image_id).
SELECT
  p.image_id,
  p.source,
  p.rover_name,
  p.camera_name,
  p.sol,
  p.earth_date,
  p.taken_at,
  p.sclk,
  p.sample_type,
  p.sample_type = 'full' AS is_full,
  p.width,
  p.height,
  p.img_src,
  p.ingested_at
FROM MARS_SILVER.FLAT_PHOTO_RESPONSE p
