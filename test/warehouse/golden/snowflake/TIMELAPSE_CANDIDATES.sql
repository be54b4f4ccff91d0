-- What is worth a timelapse, two kinds of row (frames themselves are selected from FACT_PHOTOS):
-- kind 'sol': per rover, camera and sol, the full-size frames and the span of time (or
--   spacecraft clock) they cover.
-- kind 'sequence': per rover, camera family, eye and command sequence (sequence_id), the
--   full-size frames of the sequence's most common size: the frames that play as one shot (a
--   cloud movie or dust-devil survey is 8 to 40 same-size Navcam frames). A sequence id comes
--   back on other sols (NCAM00545 runs often), so a sequence is one id on one sol; camera_name
--   is the family a command names.
WITH per_sol AS (
  SELECT
    'sol' AS kind,
    p.rover_name,
    p.camera_name,
    MAX(p.camera_family) AS camera_family,
    CAST(NULL AS VARCHAR) AS eye,
    CAST(NULL AS VARCHAR) AS sequence_id,
    p.sol,
    p.sol AS sol_start,
    p.sol AS sol_end,
    MIN(p.earth_date) AS earth_date,
    COUNT(*) AS full_frames,
    COUNT(p.taken_at) AS frames_with_time,
    MIN(p.taken_at) AS first_taken_at,
    MAX(p.taken_at) AS last_taken_at,
    MIN(p.sclk) AS first_sclk,
    MAX(p.sclk) AS last_sclk,
    MAX(p.width) AS max_width,
    MAX(p.height) AS max_height
  FROM MARS_SILVER.FACT_PHOTOS p
  WHERE p.is_full AND p.camera_name IS NOT NULL
  GROUP BY p.rover_name, p.camera_name, p.sol
),

sized AS (
  SELECT
    p.rover_name,
    p.camera_family,
    p.eye,
    p.sequence_id,
    p.sol,
    p.width,
    p.height,
    MIN(p.earth_date) AS earth_date,
    COUNT(*) AS full_frames,
    COUNT(p.taken_at) AS frames_with_time,
    MIN(p.taken_at) AS first_taken_at,
    MAX(p.taken_at) AS last_taken_at,
    MIN(p.sclk) AS first_sclk,
    MAX(p.sclk) AS last_sclk
  FROM MARS_SILVER.FACT_PHOTOS p
  WHERE p.is_full AND p.sequence_id IS NOT NULL AND p.camera_family IS NOT NULL
  GROUP BY p.rover_name, p.camera_family, p.eye, p.sequence_id, p.sol, p.width, p.height
),

per_sequence AS (
  SELECT
    'sequence' AS kind,
    s.rover_name,
    s.camera_family AS camera_name,
    s.camera_family,
    s.eye,
    s.sequence_id,
    s.sol,
    s.sol AS sol_start,
    s.sol AS sol_end,
    s.earth_date,
    s.full_frames,
    s.frames_with_time,
    s.first_taken_at,
    s.last_taken_at,
    s.first_sclk,
    s.last_sclk,
    s.width AS max_width,
    s.height AS max_height
  FROM sized s
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY s.rover_name, s.camera_family, s.eye, s.sequence_id, s.sol
    ORDER BY s.full_frames DESC, s.width DESC NULLS LAST, s.height DESC NULLS LAST
  ) = 1
)

SELECT * FROM per_sol
UNION ALL
SELECT * FROM per_sequence
