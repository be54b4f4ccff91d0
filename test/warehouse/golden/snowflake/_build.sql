CREATE SCHEMA IF NOT EXISTS MARS_BRONZE;

CREATE SCHEMA IF NOT EXISTS MARS_SILVER;

CREATE SCHEMA IF NOT EXISTS MARS_GOLD;

-- The loader's ledger: one row per raw object version (key + ETag) it has taken or refused.
-- load_id orders loads; Silver's incremental models pick up Bronze rows with a larger one.
CREATE TABLE IF NOT EXISTS MARS_BRONZE.LOADED_OBJECTS (
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  load_id BIGINT NOT NULL,
  source VARCHAR,
  table_name VARCHAR,
  record_count BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  reason VARCHAR,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  PRIMARY KEY (object_key, etag)
);

-- Downloaded originals (MARS_LINEAGE.IMAGE_ASSETS) whose object the last check of the store did
-- not find. Only code can look into the store, so the check (src/warehouse/check-originals.ts)
-- writes this table before each build, replacing its rows; PHOTO_ANOMALIES reads it as the
-- `missing-original` kind, like any other raw observation.
CREATE TABLE IF NOT EXISTS MARS_BRONZE.MISSING_ORIGINALS (
  image_id VARCHAR NOT NULL,
  rover_name VARCHAR,
  camera_name VARCHAR,
  sol INTEGER,
  object_key VARCHAR NOT NULL,
  source_url VARCHAR,
  checked_at TIMESTAMP_NTZ NOT NULL,
  PRIMARY KEY (image_id)
);

-- The last complete Silver + Gold build: the newest ledger load id it read, a digest of what
-- else it depended on (the models' and data tests' text, the missing originals), and its model
-- and data test results as JSON. A build that finds both unchanged answers from this row and
-- rebuilds and re-tests nothing.
CREATE TABLE IF NOT EXISTS MARS_BRONZE.MODEL_BUILDS (
  last_load_id BIGINT NOT NULL,
  inputs_digest VARCHAR NOT NULL,
  built_at TIMESTAMP_NTZ NOT NULL,
  models VARCHAR NOT NULL,
  tests VARCHAR
);

-- One row per record of a raw object, its JSON as received: MMGIS traverse and waypoint GeoJSON features (raw/traverse/...).
CREATE TABLE IF NOT EXISTS MARS_BRONZE.RAW_COORDINATE_RESPONSE (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  record_index INTEGER NOT NULL,
  record VARIANT
);

-- One row per record of a raw object, its JSON as received: mars.nasa.gov raw-image feed items, variant mars2020 or msl (raw/feeds/...).
CREATE TABLE IF NOT EXISTS MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  record_index INTEGER NOT NULL,
  record VARIANT
);

-- One row per record of a raw object, its JSON as received: photo_manifest objects (raw/manifests/...).
CREATE TABLE IF NOT EXISTS MARS_BRONZE.RAW_MANIFEST_RESPONSE (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  record_index INTEGER NOT NULL,
  record VARIANT
);

-- One row per record of a raw object, its JSON as received: classic Mars Rover Photos API photo objects (raw/photos/...).
CREATE TABLE IF NOT EXISTS MARS_BRONZE.RAW_PHOTO_RESPONSE (
  load_id BIGINT NOT NULL,
  object_key VARCHAR NOT NULL,
  etag VARCHAR NOT NULL,
  rover VARCHAR NOT NULL,
  variant VARCHAR,
  sol_start INTEGER,
  sol_end INTEGER,
  ingested_at TIMESTAMP_NTZ NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  record_index INTEGER NOT NULL,
  record VARIANT
);

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FLAT_PHOTO_RESPONSE"]

CREATE OR REPLACE TABLE MARS_SILVER.FLAT_PHOTO_RESPONSE__STAGE AS
-- One row per image, harmonised across the classic Photos API and the two raw-image feeds.
-- Re-ingesting a sol replaces its rows (latest ingestion wins); the classic API knows no
-- sample type (its images are full frames), sizes, clock or time taken. The feeds put
-- `sample_type` at the top level or under `extended` (the recorded Curiosity response), and
-- Curiosity's `https_url` is preferred over its `url`. Each record's JSON is read once for all
-- the fields taken from it (json_fields), not once per field.
--
-- What NASA's file names say about each image is read here, once per image as it arrives (the
-- PHOTO_FILE_NAMES view shows these columns apart). The file-name stem names the exposure in
-- every source: the classic API and a raw-image feed that know the same image give the same
-- stem, which is how FACT_PHOTOS keeps one row per exposure. Where only the classic API knows an
-- image, its eye, sample type and sequence come from here.
--
-- image_stem: the last path segment of the image URL, upper-cased, without its extension, query
--   and a Perseverance browse size (NLF_..._185J01_1200.jpg and NLF_..._185J01.png are one stem);
--   NULL where the URL names no file.
-- url_rank: 0 for a full-resolution https URL; +2 for a browse size (_320, _800, _1200), +1 for http.
-- name_eye: the eye of a stereo pair, where the camera name does not say it (classic NAVCAM, MAST):
--   Curiosity engineering cameras  <N|F|R><L|R><A|B>_<sclk>EDR_...   NLB_ = Navcam left, B side
--   Curiosity Mastcam (MSSS)       <sol>M<L|R>...                    1489ML... = Mastcam left
--   Spirit and Opportunity         <1|2><cam><sclk><product>...P<seq><L|R><filter>...
-- name_sample_type: Curiosity engineering cameras only, the letter after EDR_:
--   F full frame, S subframe, D downsampled, T thumbnail.
-- name_sclk: Curiosity engineering cameras, the spacecraft clock after the first underscore
--   (FLA_397506083EDR_... -> 397506083), so classic-only frames still play in the order taken.
-- name_sequence_id: the command sequence that took the image, from Curiosity engineering-camera
--   and Perseverance names (EDR_F0010008NCAM00545M_ -> NCAM00545; ECM_N0170000NCAM02394_01 -> NCAM02394).
WITH classic AS (
  SELECT
    b.photo:id::VARCHAR AS image_id,
    'photos_api' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.photo:sol)) AS sol,
    TRY_TO_DATE(b.photo:earth_date::VARCHAR) AS earth_date,
    b.photo:camera.name::VARCHAR AS camera_name,
    b.photo:camera.full_name::VARCHAR AS camera_full_name,
    b.photo:img_src::VARCHAR AS img_src,
    'full' AS sample_type,
    CAST(NULL AS INTEGER) AS width,
    CAST(NULL AS INTEGER) AS height,
    CAST(NULL AS DOUBLE) AS sclk,
    CAST(NULL AS TIMESTAMP_NTZ) AS taken_at,
    CAST(NULL AS VARCHAR) AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, b.record AS photo
    FROM MARS_BRONZE.RAW_PHOTO_RESPONSE b
    WHERE b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
  ) b
),

mars2020 AS (
  SELECT
    b.mars2020_item:imageid::VARCHAR AS image_id,
    'mars2020_feed' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.mars2020_item:sol)) AS sol,
    CAST(COALESCE(TRY_TO_TIMESTAMP_NTZ(b.mars2020_item:date_taken_utc::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.mars2020_item:date_taken::VARCHAR)) AS DATE) AS earth_date,
    b.mars2020_item:camera.instrument::VARCHAR AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE(
      b.mars2020_item:image_files.full_res::VARCHAR, b.mars2020_item:image_files.large::VARCHAR,
      b.mars2020_item:image_files.medium::VARCHAR, b.mars2020_item:image_files.small::VARCHAR
    ) AS img_src,
    LOWER(COALESCE(b.mars2020_item:sample_type::VARCHAR, b.mars2020_item:extended.sample_type::VARCHAR)) AS sample_type,
    TRY_CAST(REGEXP_SUBSTR(b.mars2020_item:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 1) AS INTEGER) AS width,
    TRY_CAST(REGEXP_SUBSTR(b.mars2020_item:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 2) AS INTEGER) AS height,
    TRY_TO_DOUBLE(TO_VARCHAR(b.mars2020_item:extended.sclk)) AS sclk,
    COALESCE(TRY_TO_TIMESTAMP_NTZ(b.mars2020_item:date_taken_utc::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.mars2020_item:date_taken::VARCHAR)) AS taken_at,
    b.mars2020_item:extended.sequence_id::VARCHAR AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, b.record AS mars2020_item
    FROM MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE b
    WHERE b.variant = 'mars2020' AND b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
  ) b
),

msl AS (
  SELECT
    COALESCE(b.msl_item:imageid::VARCHAR, b.msl_item:id::VARCHAR) AS image_id,
    'msl_feed' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.msl_item:sol)) AS sol,
    CAST(COALESCE(TRY_TO_TIMESTAMP_NTZ(b.msl_item:date_taken::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.msl_item:date_taken_utc::VARCHAR)) AS DATE) AS earth_date,
    b.msl_item:instrument::VARCHAR AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE(b.msl_item:https_url::VARCHAR, b.msl_item:url::VARCHAR) AS img_src,
    LOWER(COALESCE(b.msl_item:sample_type::VARCHAR, b.msl_item:extended.sample_type::VARCHAR)) AS sample_type,
    TRY_CAST(REGEXP_SUBSTR(b.msl_item:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 1) AS INTEGER) AS width,
    TRY_CAST(REGEXP_SUBSTR(b.msl_item:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 2) AS INTEGER) AS height,
    TRY_TO_DOUBLE(TO_VARCHAR(b.msl_item:extended.sclk)) AS sclk,
    COALESCE(TRY_TO_TIMESTAMP_NTZ(b.msl_item:date_taken::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.msl_item:date_taken_utc::VARCHAR)) AS taken_at,
    b.msl_item:extended.sequence_id::VARCHAR AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, b.record AS msl_item
    FROM MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE b
    WHERE b.variant = 'msl' AND b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
  ) b
),

unioned AS (
  SELECT * FROM classic
  UNION ALL SELECT * FROM mars2020
  UNION ALL SELECT * FROM msl
),

-- Keys more than one record gives (a sol ingested again, a replayed object): only their rows are
-- ranked. Ranking every row moved all of them through a sort, most of this model's time, for
-- the few that repeat.
repeated AS (
  SELECT source, image_id
  FROM unioned
  GROUP BY source, image_id
  HAVING COUNT(*) > 1
),

latest AS (
  SELECT
    u.image_id, u.rover_name, u.sol, u.earth_date, u.camera_name, u.camera_full_name, u.img_src, u.source,
    u.sample_type, u.width, u.height, u.sclk, u.taken_at, u.sequence_id, u.ingested_at, u.load_id, u.object_key
  FROM unioned u
  WHERE NOT EXISTS (SELECT 1 FROM repeated r WHERE r.source = u.source AND r.image_id IS NOT DISTINCT FROM u.image_id)
  UNION ALL
  SELECT
    u.image_id, u.rover_name, u.sol, u.earth_date, u.camera_name, u.camera_full_name, u.img_src, u.source,
    u.sample_type, u.width, u.height, u.sclk, u.taken_at, u.sequence_id, u.ingested_at, u.load_id, u.object_key
  FROM unioned u
  WHERE EXISTS (SELECT 1 FROM repeated r WHERE r.source = u.source AND r.image_id IS NOT DISTINCT FROM u.image_id)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY u.source, u.image_id ORDER BY u.ingested_at DESC, u.load_id DESC, u.record_index DESC) = 1
),

names AS (
  SELECT
    p.*,
    UPPER(NULLIF(REGEXP_SUBSTR(p.img_src, '([^/?#]+)[.][A-Za-z0-9]+([?#].*)?$', 1, 1, 'e', 1), '')) AS file_name
  FROM latest p
),

stems AS (
  SELECT
    n.*,
    COALESCE(NULLIF(REGEXP_SUBSTR(n.file_name, '^(.+)_(320|800|1200)$', 1, 1, 'e', 1), ''), n.file_name) AS image_stem
  FROM names n
),

letters AS (
  SELECT
    s.*,
    CASE
      WHEN s.rover_name = 'curiosity' THEN COALESCE(
        NULLIF(REGEXP_SUBSTR(s.image_stem, '^[NFR]([LR])[AB]_[0-9]{9}EDR_', 1, 1, 'e', 1), ''),
        NULLIF(REGEXP_SUBSTR(s.image_stem, '^[0-9]{4}M([LR])[0-9]', 1, 1, 'e', 1), '')
      )
      WHEN s.rover_name IN ('spirit', 'opportunity') THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[12][A-Z][0-9]{9}[A-Z]{3}[0-9A-Z]{4}P[0-9]{4}([LR])[0-9]', 1, 1, 'e', 1), '')
    END AS eye_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[A-Z]{2}[A-Z0-9]_[0-9]{9}EDR_([FSDT])', 1, 1, 'e', 1), '') END AS sample_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[A-Z]{2}[A-Z0-9]_([0-9]{9})EDR_', 1, 1, 'e', 1), '') END AS sclk_digits,
    CASE
      WHEN s.rover_name IN ('curiosity', 'perseverance') THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '_[A-Z][0-9]{7}([A-Z_]{4}[0-9]{5})', 1, 1, 'e', 1), '')
    END AS name_sequence_id
  FROM stems s
)

SELECT
  l.image_id, l.rover_name, l.sol, l.earth_date, l.camera_name, l.camera_full_name, l.img_src, l.source,
  l.sample_type, l.width, l.height, l.sclk, l.taken_at, l.sequence_id, l.ingested_at, l.load_id, l.object_key,
  l.image_stem,
  CASE WHEN l.image_stem <> l.file_name THEN 2 ELSE 0 END + CASE WHEN l.img_src LIKE 'https:%' THEN 0 ELSE 1 END AS url_rank,
  CASE l.eye_letter WHEN 'L' THEN 'left' WHEN 'R' THEN 'right' END AS name_eye,
  CASE l.sample_letter WHEN 'F' THEN 'full' WHEN 'S' THEN 'subframe' WHEN 'D' THEN 'downsampled' WHEN 'T' THEN 'thumbnail' END AS name_sample_type,
  CAST(l.sclk_digits AS DOUBLE) AS name_sclk,
  l.name_sequence_id
FROM letters l;

SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position; -- binds: ["MARS_SILVER","FLAT_PHOTO_RESPONSE__STAGE"]

SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position; -- binds: ["MARS_SILVER","FLAT_PHOTO_RESPONSE"]

SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE__STAGE;

BEGIN TRANSACTION;

DELETE FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE EXISTS (SELECT 1 FROM MARS_SILVER.FLAT_PHOTO_RESPONSE__STAGE s WHERE s.source = FLAT_PHOTO_RESPONSE.source AND s.image_id = FLAT_PHOTO_RESPONSE.image_id AND s.ingested_at >= FLAT_PHOTO_RESPONSE.ingested_at);

INSERT INTO MARS_SILVER.FLAT_PHOTO_RESPONSE SELECT s.* FROM MARS_SILVER.FLAT_PHOTO_RESPONSE__STAGE s WHERE NOT EXISTS (SELECT 1 FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE s.source = FLAT_PHOTO_RESPONSE.source AND s.image_id = FLAT_PHOTO_RESPONSE.image_id);

COMMIT;

DROP TABLE IF EXISTS MARS_SILVER.FLAT_PHOTO_RESPONSE__STAGE;

SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","DIM_CAMERAS"]

CREATE OR REPLACE TABLE MARS_SILVER.DIM_CAMERAS AS
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
WHERE NOT EXISTS (SELECT 1 FROM named n WHERE n.rover_name = f.rover_name AND n.camera_name = f.camera_name);

SELECT COUNT(*) AS n FROM MARS_SILVER.DIM_CAMERAS;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FACT_PHOTOS"]

CREATE OR REPLACE TABLE MARS_SILVER.FACT_PHOTOS AS
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
LEFT JOIN MARS_SILVER.DIM_CAMERAS d ON d.rover_name = e.rover_name AND d.camera_name = e.camera_name;

SELECT COUNT(*) AS n FROM MARS_SILVER.FACT_PHOTOS;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FLAT_MANIFEST_RESPONSE"]

CREATE OR REPLACE TABLE MARS_SILVER.FLAT_MANIFEST_RESPONSE AS
-- One row per rover: its latest manifest.
SELECT
  b.rover AS rover_name,
  b.record:name::VARCHAR AS name,
  TRY_TO_DATE(b.record:landing_date::VARCHAR) AS landing_date,
  TRY_TO_DATE(b.record:launch_date::VARCHAR) AS launch_date,
  b.record:status::VARCHAR AS status,
  TRY_TO_NUMBER(TO_VARCHAR(b.record:max_sol)) AS max_sol,
  TRY_TO_DATE(b.record:max_date::VARCHAR) AS max_date,
  TRY_TO_NUMBER(TO_VARCHAR(b.record:total_photos)) AS total_photos,
  ARRAY_SIZE(b.record:photos) AS sol_entries,
  b.ingested_at,
  b.object_key
FROM MARS_BRONZE.RAW_MANIFEST_RESPONSE b
QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1;

SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_MANIFEST_RESPONSE;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","DIM_ROVERS"]

CREATE OR REPLACE TABLE MARS_SILVER.DIM_ROVERS AS
-- The four rovers the sources know, with what their latest manifest and the ingested photos add.
WITH rovers AS (
  SELECT * FROM (VALUES
    ('curiosity', 'Curiosity', 'MSL', '2011-11-26', '2012-08-06'),
    ('perseverance', 'Perseverance', 'M20', '2020-07-30', '2021-02-18'),
    ('opportunity', 'Opportunity', 'MER-B', '2003-07-07', '2004-01-25'),
    ('spirit', 'Spirit', 'MER-A', '2003-06-10', '2004-01-04')
  ) AS r(rover_name, name, mission, launch_date, landing_date)
),

photos AS (
  SELECT rover_name, COUNT(*) AS photos_ingested, MAX(sol) AS max_sol_ingested
  FROM MARS_SILVER.FACT_PHOTOS
  GROUP BY rover_name
)

SELECT
  r.rover_name,
  r.name,
  r.mission,
  CAST(r.launch_date AS DATE) AS launch_date,
  CAST(r.landing_date AS DATE) AS landing_date,
  m.status,
  m.max_sol,
  m.max_date,
  m.total_photos,
  COALESCE(p.photos_ingested, 0) AS photos_ingested,
  p.max_sol_ingested
FROM rovers r
LEFT JOIN MARS_SILVER.FLAT_MANIFEST_RESPONSE m ON m.rover_name = r.rover_name
LEFT JOIN photos p ON p.rover_name = r.rover_name;

SELECT COUNT(*) AS n FROM MARS_SILVER.DIM_ROVERS;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FLAT_COORDINATE_RESPONSE"]

CREATE OR REPLACE TABLE MARS_SILVER.FLAT_COORDINATE_RESPONSE AS
-- One row per feature of each rover's latest traverse and waypoint layers. MMGIS layers differ:
-- Perseverance's traverse has sol, RMC and SCLK; Curiosity's has only `Length`, so those are null.
WITH latest AS (
  SELECT b.*
  FROM MARS_BRONZE.RAW_COORDINATE_RESPONSE b
  QUALIFY DENSE_RANK() OVER (PARTITION BY b.rover, b.variant ORDER BY b.ingested_at DESC, b.load_id DESC) = 1
),

features AS (
  SELECT
    latest.rover AS rover_name,
    COALESCE(latest.variant, 'traverse') AS layer,
    latest.record_index AS feature_index,
    latest.record:geometry.type::VARCHAR AS geometry_type,
    TRY_TO_NUMBER(TO_VARCHAR(latest.record:properties.sol)) AS sol,
    latest.record:properties.fromRMC::VARCHAR AS from_rmc,
    latest.record:properties.toRMC::VARCHAR AS to_rmc,
    COALESCE(TRY_TO_DOUBLE(TO_VARCHAR(latest.record:properties.length)), TRY_TO_DOUBLE(TO_VARCHAR(latest.record:properties.Length))) AS length_m,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:properties.SCLK_START)) AS sclk_start,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:properties.SCLK_END)) AS sclk_end,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:properties.dist_total_m)) AS dist_total_m,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[0])) AS point_lon,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[1])) AS point_lat,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[0][0])) AS line_lon,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[0][1])) AS line_lat,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[0][0][0])) AS multi_lon,
    TRY_TO_DOUBLE(TO_VARCHAR(latest.record:geometry.coordinates[0][0][1])) AS multi_lat,
    latest.record:geometry AS geometry,
    latest.ingested_at
  FROM latest
)

SELECT
  rover_name, layer, feature_index, geometry_type, sol, from_rmc, to_rmc, length_m, sclk_start, sclk_end, dist_total_m,
  CASE geometry_type WHEN 'Point' THEN point_lon WHEN 'LineString' THEN line_lon ELSE multi_lon END AS start_lon,
  CASE geometry_type WHEN 'Point' THEN point_lat WHEN 'LineString' THEN line_lat ELSE multi_lat END AS start_lat,
  geometry,
  ingested_at
FROM features;

SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_COORDINATE_RESPONSE;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FACT_PATH"]

CREATE OR REPLACE TABLE MARS_SILVER.FACT_PATH AS
-- The drive path: one row per traverse segment in layer order, with the distance so far.
SELECT
  c.rover_name,
  c.feature_index AS segment_index,
  c.sol,
  c.length_m,
  SUM(COALESCE(c.length_m, 0)) OVER (PARTITION BY c.rover_name ORDER BY c.feature_index ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative_m,
  c.start_lon,
  c.start_lat,
  c.from_rmc,
  c.to_rmc,
  c.sclk_start,
  c.sclk_end,
  c.geometry
FROM MARS_SILVER.FLAT_COORDINATE_RESPONSE c
WHERE c.layer = 'traverse';

SELECT COUNT(*) AS n FROM MARS_SILVER.FACT_PATH;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","FLAT_MANIFEST_PHOTOS"]

CREATE OR REPLACE TABLE MARS_SILVER.FLAT_MANIFEST_PHOTOS AS
-- One row per sol entry of each rover's latest manifest (sols without photos have no entry).
-- Only the photos array crosses into the flatten: the whole record would be copied into every row.
WITH latest AS (
  SELECT b.rover, b.record:photos AS photos
  FROM MARS_BRONZE.RAW_MANIFEST_RESPONSE b
  QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1
)

SELECT
  latest.rover AS rover_name,
  TRY_TO_NUMBER(TO_VARCHAR(e.value:sol)) AS sol,
  TRY_TO_DATE(e.value:earth_date::VARCHAR) AS earth_date,
  TRY_TO_NUMBER(TO_VARCHAR(e.value:total_photos)) AS total_photos,
  ARRAY_SIZE(e.value:cameras) AS camera_count,
  e.value:cameras AS cameras
FROM latest, LATERAL FLATTEN(input => latest.photos) AS e;

SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","PHOTO_FILE_NAMES"]

DROP TABLE MARS_SILVER.PHOTO_FILE_NAMES;

CREATE OR REPLACE VIEW MARS_SILVER.PHOTO_FILE_NAMES AS
-- What NASA's file names say about each image: the columns FLAT_PHOTO_RESPONSE reads from each
-- image's URL as the image arrives (described there). A view: a table of its own was rebuilt
-- from every photo on each build, and joined back to them by FACT_PHOTOS.
SELECT
  p.source,
  p.image_id,
  p.rover_name,
  p.image_stem,
  p.url_rank,
  p.name_eye,
  p.name_sample_type,
  p.name_sclk,
  p.name_sequence_id
FROM MARS_SILVER.FLAT_PHOTO_RESPONSE p;

SELECT COUNT(*) AS n FROM MARS_SILVER.PHOTO_FILE_NAMES;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_SILVER","VALIDATION_PHOTO_GAPS"]

CREATE OR REPLACE TABLE MARS_SILVER.VALIDATION_PHOTO_GAPS AS
-- Manifest sols whose photos are not (fully) ingested: the manifest counts the classic API's
-- photos, so only those are compared.
WITH ingested AS (
  SELECT rover_name, sol, COUNT(*) AS ingested_photos
  FROM MARS_SILVER.FACT_PHOTOS
  WHERE source = 'photos_api'
  GROUP BY rover_name, sol
)

SELECT
  m.rover_name,
  m.sol,
  m.earth_date,
  m.total_photos,
  COALESCE(i.ingested_photos, 0) AS ingested_photos,
  m.total_photos - COALESCE(i.ingested_photos, 0) AS missing_photos
FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS m
LEFT JOIN ingested i ON i.rover_name = m.rover_name AND i.sol = m.sol
WHERE COALESCE(i.ingested_photos, 0) < m.total_photos;

SELECT COUNT(*) AS n FROM MARS_SILVER.VALIDATION_PHOTO_GAPS;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","DAILY_ACTIVITY"]

CREATE OR REPLACE TABLE MARS_GOLD.DAILY_ACTIVITY AS
-- Per rover and sol: photos taken, cameras used, and the distance driven that sol where the
-- traverse layer gives sols (Perseverance's does; Curiosity's does not).
WITH photos AS (
  SELECT rover_name, sol, MIN(earth_date) AS earth_date, COUNT(*) AS photos, COUNT(DISTINCT camera_name) AS cameras
  FROM MARS_SILVER.FACT_PHOTOS
  GROUP BY rover_name, sol
),

drives AS (
  SELECT rover_name, sol, SUM(length_m) AS distance_m, COUNT(*) AS segments
  FROM MARS_SILVER.FACT_PATH
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
FULL OUTER JOIN drives d ON d.rover_name = p.rover_name AND d.sol = p.sol;

SELECT COUNT(*) AS n FROM MARS_GOLD.DAILY_ACTIVITY;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","CAMERA_TRAVEL_CORRELATION"]

CREATE OR REPLACE TABLE MARS_GOLD.CAMERA_TRAVEL_CORRELATION AS
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
GROUP BY rover_name, camera_name;

SELECT COUNT(*) AS n FROM MARS_GOLD.CAMERA_TRAVEL_CORRELATION;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","INGESTION_PLANNING"]

CREATE OR REPLACE TABLE MARS_GOLD.INGESTION_PLANNING AS
-- Contiguous runs of manifest sols still missing photos, for the ingestion planner. Sols the
-- manifest skips (no photos taken) do not break a run. Reason: 'not ingested' (no photo of the
-- run's sols is in) or 'partially ingested' (some are).
WITH manifest AS (
  SELECT
    m.rover_name,
    m.sol,
    ROW_NUMBER() OVER (PARTITION BY m.rover_name ORDER BY m.sol) AS position,
    g.missing_photos,
    CASE WHEN g.ingested_photos = 0 THEN 'not ingested' ELSE 'partially ingested' END AS reason
  FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS m
  JOIN MARS_SILVER.VALIDATION_PHOTO_GAPS g ON g.rover_name = m.rover_name AND g.sol = m.sol
),

islands AS (
  SELECT
    rover_name, sol, missing_photos, reason,
    position - ROW_NUMBER() OVER (PARTITION BY rover_name, reason ORDER BY sol) AS island
  FROM manifest
)

SELECT
  rover_name,
  MIN(sol) AS sol_start,
  MAX(sol) AS sol_end,
  CAST(SUM(missing_photos) AS BIGINT) AS missing_photos,
  COUNT(*) AS sols,
  reason
FROM islands
GROUP BY rover_name, reason, island;

SELECT COUNT(*) AS n FROM MARS_GOLD.INGESTION_PLANNING;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","PHOTO_ANOMALIES"]

CREATE OR REPLACE TABLE MARS_GOLD.PHOTO_ANOMALIES AS
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
FROM findings;

SELECT COUNT(*) AS n FROM MARS_GOLD.PHOTO_ANOMALIES;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","PHOTO_SUMMARY"]

CREATE OR REPLACE TABLE MARS_GOLD.PHOTO_SUMMARY AS
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
GROUP BY p.rover_name, p.camera_name;

SELECT COUNT(*) AS n FROM MARS_GOLD.PHOTO_SUMMARY;

SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?; -- binds: ["MARS_GOLD","TIMELAPSE_CANDIDATES"]

CREATE OR REPLACE TABLE MARS_GOLD.TIMELAPSE_CANDIDATES AS
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
SELECT * FROM per_sequence;

SELECT COUNT(*) AS n FROM MARS_GOLD.TIMELAPSE_CANDIDATES;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE image_id IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE image_id IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT rover_name, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name IS NOT NULL AND rover_name NOT IN ('curiosity', 'perseverance', 'opportunity', 'spirit') GROUP BY rover_name) t;

SELECT * FROM (SELECT rover_name, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name IS NOT NULL AND rover_name NOT IN ('curiosity', 'perseverance', 'opportunity', 'spirit') GROUP BY rover_name) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE sol IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE sol IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE camera_name IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE camera_name IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE img_src IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE img_src IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE source IS NULL) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE source IS NULL) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT source, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE source IS NOT NULL AND source NOT IN ('photos_api', 'mars2020_feed', 'msl_feed') GROUP BY source) t;

SELECT * FROM (SELECT source, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE source IS NOT NULL AND source NOT IN ('photos_api', 'mars2020_feed', 'msl_feed') GROUP BY source) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT sample_type, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE sample_type IS NOT NULL AND sample_type NOT IN ('full', 'thumbnail', 'subframe', 'downsampled', 'mixed', 'chemcam prc') GROUP BY sample_type) t;

SELECT * FROM (SELECT sample_type, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE sample_type IS NOT NULL AND sample_type NOT IN ('full', 'thumbnail', 'subframe', 'downsampled', 'mixed', 'chemcam prc') GROUP BY sample_type) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT source, image_id, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY source, image_id HAVING COUNT(*) > 1) t;

SELECT * FROM (SELECT source, image_id, COUNT(*) AS n_rows FROM MARS_SILVER.FLAT_PHOTO_RESPONSE GROUP BY source, image_id HAVING COUNT(*) > 1) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE NOT (sol >= 0)) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE NOT (sol >= 0)) t LIMIT 5;

SELECT COUNT(*) AS failures FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE NOT (width IS NULL OR (width > 0 AND height > 0))) t;

SELECT * FROM (SELECT * FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE NOT (width IS NULL OR (width > 0 AND height > 0))) t LIMIT 5;
