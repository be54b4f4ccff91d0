-- One row per finding that something in the data looks wrong: rover_name, sol, camera_name (null
-- where the finding is about the whole sol), kind, expected, observed, detail (a sentence).
--
-- missing-photos: a sol with photos in whose count is below its manifest's total_photos
--   (partial ingestion or a late downlink). Manifests count the classic API's photos, so only
--   those are compared (as in VALIDATION_PHOTO_GAPS). Sols with no photo in at all are the gap
--   plan's business (INGESTION_PLANNING), not an anomaly. expected/observed: photo counts.
-- count-outlier: a camera's photos on a sol against the same camera on the other sols within
--   7 either side (days it took no photo do not count). Robust scale: the median absolute
--   deviation (MAD) times 1.4826, at least 1 photo; a sol is an outlier when it is more than 5
--   scales from the median and has at least 4 neighbours. expected: the median; observed: the count.
-- date-mismatch: an earth_date too far from the rover's landing date plus sol x 88,775.244 s
--   (one sol). A sol runs from local midnight to midnight while earth_date is a UTC date and
--   landing fell somewhere in its day, so honest dates sit within about 2.03 days of that;
--   the tolerance is 2.5 days. expected/observed: days after the landing date.
-- duplicate-source: one img_src under more than one image id of the same source (the feeds and
--   the classic API name one exposure differently; that is not a duplicate). expected 1;
--   observed: the number of image ids.
-- missing-original: a downloaded original whose object is gone from the store, as the last
--   check found (MISSING_ORIGINALS). expected 1; observed 0.
WITH missing_photos AS (
  SELECT
    rover_name,
    sol,
    CAST(NULL AS VARCHAR) AS camera_name,
    'missing-photos' AS kind,
    CAST(total_photos AS DOUBLE) AS expected,
    CAST(ingested_photos AS DOUBLE) AS observed,
    'the manifest counts ' || CAST(total_photos AS VARCHAR) || ' photos on this sol; '
      || CAST(ingested_photos AS VARCHAR) || ' are in (' || CAST(missing_photos AS VARCHAR) || ' missing)' AS detail
  FROM MARS_SILVER.VALIDATION_PHOTO_GAPS
  WHERE ingested_photos > 0
),

daily AS (
  SELECT rover_name, camera_name, sol, CAST(COUNT(*) AS DOUBLE) AS photos
  FROM MARS_SILVER.FACT_PHOTOS
  WHERE camera_name IS NOT NULL AND sol IS NOT NULL
  GROUP BY rover_name, camera_name, sol
),

neighbours AS (
  SELECT d.rover_name, d.camera_name, d.sol, d.photos, n.photos AS neighbour_photos
  FROM daily d
  JOIN daily n
    ON n.rover_name = d.rover_name AND n.camera_name = d.camera_name
    AND n.sol BETWEEN d.sol - 7 AND d.sol + 7 AND n.sol <> d.sol
),

medians AS (
  SELECT rover_name, camera_name, sol, photos, MEDIAN(neighbour_photos) AS median_photos, COUNT(*) AS neighbour_sols
  FROM neighbours
  GROUP BY rover_name, camera_name, sol, photos
),

spread AS (
  SELECT
    m.rover_name, m.camera_name, m.sol, m.photos, m.median_photos, m.neighbour_sols,
    GREATEST(1.4826 * MEDIAN(ABS(n.neighbour_photos - m.median_photos)), 1.0) AS scale
  FROM medians m
  JOIN neighbours n ON n.rover_name = m.rover_name AND n.camera_name = m.camera_name AND n.sol = m.sol
  GROUP BY m.rover_name, m.camera_name, m.sol, m.photos, m.median_photos, m.neighbour_sols
),

count_outliers AS (
  SELECT
    rover_name,
    sol,
    camera_name,
    'count-outlier' AS kind,
    median_photos AS expected,
    photos AS observed,
    CAST(photos AS VARCHAR) || ' photos where the ' || CAST(neighbour_sols AS VARCHAR) || ' sols within 7 have a median of '
      || CAST(median_photos AS VARCHAR) || ' (' || CAST(ROUND(ABS(photos - median_photos) / scale, 1) AS VARCHAR) || ' robust deviations; limit 5)' AS detail
  FROM spread
  WHERE neighbour_sols >= 4 AND ABS(photos - median_photos) > 5 * scale
),

dated AS (
  SELECT
    p.rover_name,
    p.sol,
    p.camera_name,
    p.earth_date,
    r.landing_date,
    COUNT(*) AS photos,
    CAST(p.sol AS DOUBLE) * 88775.244 / 86400.0 AS expected_days,
    CAST(p.earth_date - r.landing_date AS DOUBLE) AS observed_days
  FROM MARS_SILVER.FACT_PHOTOS p
  JOIN MARS_SILVER.DIM_ROVERS r ON r.rover_name = p.rover_name
  WHERE p.earth_date IS NOT NULL AND p.sol IS NOT NULL
  GROUP BY p.rover_name, p.sol, p.camera_name, p.earth_date, r.landing_date
),

date_mismatches AS (
  SELECT
    rover_name,
    sol,
    camera_name,
    'date-mismatch' AS kind,
    ROUND(expected_days, 2) AS expected,
    observed_days AS observed,
    CAST(photos AS VARCHAR) || ' photos dated ' || CAST(earth_date AS VARCHAR) || ', ' || CAST(observed_days AS VARCHAR)
      || ' days after landing on ' || CAST(landing_date AS VARCHAR) || '; sol ' || CAST(sol AS VARCHAR) || ' is '
      || CAST(ROUND(expected_days, 2) AS VARCHAR) || ' days after it (tolerance 2.5)' AS detail
  FROM dated
  WHERE ABS(observed_days - expected_days) > 2.5
),

-- Only the img_src values on more than one row are counted by image id: grouping every photo with
-- a COUNT(DISTINCT) was most of this model's time, and a shared img_src is rare.
shared_sources AS (
  SELECT rover_name, source, img_src
  FROM MARS_SILVER.FACT_PHOTOS
  WHERE img_src IS NOT NULL
  GROUP BY rover_name, source, img_src
  HAVING COUNT(*) > 1
),

duplicate_sources AS (
  SELECT
    p.rover_name,
    MIN(p.sol) AS sol,
    MIN(p.camera_name) AS camera_name,
    'duplicate-source' AS kind,
    1.0 AS expected,
    CAST(COUNT(DISTINCT p.image_id) AS DOUBLE) AS observed,
    p.img_src || ' is under ' || CAST(COUNT(DISTINCT p.image_id) AS VARCHAR) || ' image ids of ' || p.source || ' (' || MIN(p.image_id)
      || ' ... ' || MAX(p.image_id) || ')' AS detail
  FROM MARS_SILVER.FACT_PHOTOS p
  JOIN shared_sources s ON s.rover_name = p.rover_name AND s.source = p.source AND s.img_src = p.img_src
  GROUP BY p.rover_name, p.source, p.img_src
  HAVING COUNT(DISTINCT p.image_id) > 1
),

missing_originals AS (
  SELECT
    rover_name,
    sol,
    camera_name,
    'missing-original' AS kind,
    1.0 AS expected,
    0.0 AS observed,
    'image ' || image_id || ': ' || object_key || ' is gone from the store (checked ' || CAST(checked_at AS VARCHAR) || ')' AS detail
  FROM MARS_BRONZE.MISSING_ORIGINALS
),

findings AS (
  SELECT * FROM missing_photos
  UNION ALL SELECT * FROM count_outliers
  UNION ALL SELECT * FROM date_mismatches
  UNION ALL SELECT * FROM duplicate_sources
  UNION ALL SELECT * FROM missing_originals
)

SELECT
  rover_name,
  CAST(sol AS INTEGER) AS sol,
  camera_name,
  kind,
  CAST(expected AS DOUBLE) AS expected,
  CAST(observed AS DOUBLE) AS observed,
  detail
FROM findings
