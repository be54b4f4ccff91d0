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
    WHERE TRUE
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
    WHERE b.variant = 'mars2020' AND TRUE
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
    WHERE b.variant = 'msl' AND TRUE
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
FROM letters l
