-- Every camera name a timelapse command may use, per rover: each instrument the photos name
-- (Curiosity's feed NAV_LEFT_B, MAST_RIGHT; Perseverance's NAVCAM_LEFT; the classic API's NAVCAM,
-- MAST, FHAZ, ...) with its camera family and eye, and each family (kind 'family') whose name
-- no instrument carries. The eye is the _LEFT/_RIGHT in an instrument's name; a classic name such
-- as NAVCAM has none, since the classic API mixes both eyes under it (PHOTO_FILE_NAMES tells them
-- apart). The family is the name without its eye and A/B side, where NASA spells it differently.
WITH seen AS (
  SELECT
    p.rover_name,
    UPPER(p.camera_name) AS camera_name,
    MAX(p.camera_full_name) AS camera_full_name,
    COUNT(*) AS photos,
    COUNT(CASE WHEN p.sample_type = 'full' THEN 1 END) AS full_frames,
    MIN(p.sol) AS first_sol,
    MAX(p.sol) AS last_sol
  FROM MARS_SILVER.FLAT_PHOTO_RESPONSE p
  WHERE p.camera_name IS NOT NULL
  GROUP BY p.rover_name, UPPER(p.camera_name)
),

-- Families whose name is not the instrument's name without its eye.
aliases AS (
  SELECT * FROM (VALUES
    ('curiosity', 'NAV', 'NAVCAM'),
    ('curiosity', 'CHEMCAM_RMI', 'CHEMCAM')
  ) AS a (rover_name, base_name, camera_family)
),

instruments AS (
  SELECT
    s.*,
    COALESCE(NULLIF(REGEXP_SUBSTR(s.camera_name, '^(.+)_(LEFT|RIGHT)(_[AB])?$', 1, 1, 'e', 1), ''), s.camera_name) AS base_name,
    CASE NULLIF(REGEXP_SUBSTR(s.camera_name, '_(LEFT|RIGHT)(_[AB])?$', 1, 1, 'e', 1), '') WHEN 'LEFT' THEN 'left' WHEN 'RIGHT' THEN 'right' END AS eye
  FROM seen s
),

named AS (
  SELECT
    i.rover_name,
    i.camera_name,
    i.camera_full_name,
    COALESCE(a.camera_family, i.base_name) AS camera_family,
    i.eye,
    'instrument' AS kind,
    i.photos,
    i.full_frames,
    i.first_sol,
    i.last_sol
  FROM instruments i
  LEFT JOIN aliases a ON a.rover_name = i.rover_name AND a.base_name = i.base_name
),

families AS (
  SELECT
    n.rover_name,
    n.camera_family AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    n.camera_family,
    CAST(NULL AS VARCHAR) AS eye,
    'family' AS kind,
    SUM(n.photos) AS photos,
    SUM(n.full_frames) AS full_frames,
    MIN(n.first_sol) AS first_sol,
    MAX(n.last_sol) AS last_sol
  FROM named n
  GROUP BY n.rover_name, n.camera_family
)

SELECT rover_name, camera_name, camera_full_name, camera_family, eye, kind, photos, full_frames, first_sol, last_sol
FROM named
UNION ALL
SELECT f.rover_name, f.camera_name, f.camera_full_name, f.camera_family, f.eye, f.kind, f.photos, f.full_frames, f.first_sol, f.last_sol
FROM families f
WHERE NOT EXISTS (SELECT 1 FROM named n WHERE n.rover_name = f.rover_name AND n.camera_name = f.camera_name)
