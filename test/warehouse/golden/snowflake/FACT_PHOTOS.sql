-- The photo fact: one row per exposure, with the keys other tools select frames by (rover_name,
-- camera_name or camera_family and eye, sol, is_full) and the order they play in (taken_at or
-- sclk, then image_id). An image that both the classic API and a raw-image feed know (the same
-- file-name stem) is one row: the feed's record with both ids and the better of the two URLs
-- (full resolution first, then https). Built whole from FLAT_PHOTO_RESPONSE each time, so the
-- order the sources were ingested in changes nothing. photos, classic and feeds are read from
-- the table again wherever they are used (inline_cte): DuckDB would first store a copy of every
-- photo for them, a third of this model's time. A classic photo is matched to the feeds' stems
-- by a join, not NOT EXISTS, which over a query DuckDB answers per distinct classic stem.
WITH photos AS (
  SELECT
    p.image_id,
    p.source,
    p.rover_name,
    UPPER(p.camera_name) AS camera_name,
    p.sol,
    p.earth_date,
    p.taken_at,
    COALESCE(p.sclk, p.name_sclk) AS sclk,
    -- The classic API says nothing of sample types: its file names may; otherwise a full frame.
    CASE WHEN p.source = 'photos_api' THEN COALESCE(p.name_sample_type, p.sample_type) ELSE COALESCE(p.sample_type, p.name_sample_type) END AS sample_type,
    p.width,
    p.height,
    p.img_src,
    COALESCE(p.sequence_id, p.name_sequence_id) AS sequence_id,
    p.ingested_at,
    p.image_stem,
    p.url_rank,
    p.name_eye
  FROM MARS_SILVER.FLAT_PHOTO_RESPONSE p
  -- A record without an id is no photo (FLAT_PHOTO_RESPONSE's not_null test reports it).
  WHERE p.image_id IS NOT NULL
),

classic AS (
  SELECT * FROM photos WHERE source = 'photos_api'
),

feeds AS (
  SELECT * FROM photos WHERE source <> 'photos_api'
),

-- The stems a feed knows: a classic photo with one of them is the feed record's row.
feed_stems AS (
  SELECT DISTINCT rover_name, image_stem FROM feeds
),

-- The classic photo a feed record joins: one per stem (two classic ids for one file are the
-- classic API's own duplicate, left for PHOTO_ANOMALIES to report). Only stems a feed knows are
-- ranked: the others join nothing, and ranking every classic photo was the query's costliest step.
classic_by_stem AS (
  SELECT c.*
  FROM classic c
  JOIN feed_stems known ON known.rover_name = c.rover_name AND known.image_stem = c.image_stem
  QUALIFY ROW_NUMBER() OVER (PARTITION BY c.rover_name, c.image_stem ORDER BY LENGTH(c.image_id), c.image_id) = 1
),

exposures AS (
  SELECT
    f.image_id,
    f.source,
    f.rover_name,
    f.camera_name,
    f.sol,
    f.earth_date,
    f.taken_at,
    f.sclk,
    COALESCE(f.sample_type, c.sample_type) AS sample_type,
    f.width,
    f.height,
    CASE WHEN c.image_id IS NULL OR f.url_rank <= c.url_rank THEN f.img_src ELSE c.img_src END AS img_src,
    f.image_stem,
    c.image_id AS photos_api_id,
    f.image_id AS feed_image_id,
    COALESCE(f.sequence_id, c.sequence_id) AS sequence_id,
    COALESCE(f.name_eye, c.name_eye) AS name_eye,
    f.ingested_at
  FROM feeds f
  LEFT JOIN classic_by_stem c ON c.rover_name = f.rover_name AND c.image_stem = f.image_stem
  UNION ALL
  SELECT
    c.image_id,
    c.source,
    c.rover_name,
    c.camera_name,
    c.sol,
    c.earth_date,
    c.taken_at,
    c.sclk,
    c.sample_type,
    c.width,
    c.height,
    c.img_src,
    c.image_stem,
    c.image_id AS photos_api_id,
    CAST(NULL AS VARCHAR) AS feed_image_id,
    c.sequence_id,
    c.name_eye,
    c.ingested_at
  FROM classic c
  LEFT JOIN feed_stems known ON known.rover_name = c.rover_name AND known.image_stem = c.image_stem
  WHERE known.image_stem IS NULL
)

SELECT
  e.image_id,
  e.source,
  e.rover_name,
  e.camera_name,
  d.camera_family,
  -- An instrument's own eye (NAV_LEFT_B), else the one its file name shows (classic NAVCAM).
  COALESCE(d.eye, e.name_eye) AS eye,
  e.sol,
  e.earth_date,
  e.taken_at,
  e.sclk,
  e.sample_type,
  e.sample_type = 'full' AS is_full,
  e.width,
  e.height,
  e.img_src,
  e.image_stem,
  e.photos_api_id,
  e.feed_image_id,
  e.sequence_id,
  e.ingested_at
FROM exposures e
LEFT JOIN MARS_SILVER.DIM_CAMERAS d ON d.rover_name = e.rover_name AND d.camera_name = e.camera_name
