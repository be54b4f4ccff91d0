{{ config(materialized='incremental', unique_key='source,image_id', updated_at='ingested_at') }}
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
    {{ json_str('b.photo', 'id') }} AS image_id,
    'photos_api' AS source,
    b.rover AS rover_name,
    {{ json_int('b.photo', 'sol') }} AS sol,
    {{ json_date('b.photo', 'earth_date') }} AS earth_date,
    {{ json_str('b.photo', 'camera.name') }} AS camera_name,
    {{ json_str('b.photo', 'camera.full_name') }} AS camera_full_name,
    {{ json_str('b.photo', 'img_src') }} AS img_src,
    'full' AS sample_type,
    CAST(NULL AS INTEGER) AS width,
    CAST(NULL AS INTEGER) AS height,
    CAST(NULL AS DOUBLE) AS sclk,
    CAST(NULL AS {{ timestamp_type() }}) AS taken_at,
    CAST(NULL AS VARCHAR) AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, {{ json_fields('b.record', 'photo', 'id', 'sol', 'earth_date', 'camera.name', 'camera.full_name', 'img_src') }}
    FROM {{ source('RAW_PHOTO_RESPONSE') }} b
    WHERE {{ incremental_since('b.load_id') }}
  ) b
),

mars2020 AS (
  SELECT
    {{ json_str('b.mars2020_item', 'imageid') }} AS image_id,
    'mars2020_feed' AS source,
    b.rover AS rover_name,
    {{ json_int('b.mars2020_item', 'sol') }} AS sol,
    CAST(COALESCE({{ json_timestamp('b.mars2020_item', 'date_taken_utc') }}, {{ json_timestamp('b.mars2020_item', 'date_taken') }}) AS DATE) AS earth_date,
    {{ json_str('b.mars2020_item', 'camera.instrument') }} AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE(
      {{ json_str('b.mars2020_item', 'image_files.full_res') }}, {{ json_str('b.mars2020_item', 'image_files.large') }},
      {{ json_str('b.mars2020_item', 'image_files.medium') }}, {{ json_str('b.mars2020_item', 'image_files.small') }}
    ) AS img_src,
    LOWER(COALESCE({{ json_str('b.mars2020_item', 'sample_type') }}, {{ json_str('b.mars2020_item', 'extended.sample_type') }})) AS sample_type,
    {{ json_regex_int('b.mars2020_item', 'extended.dimension', '([0-9]+)[^0-9]+([0-9]+)', 1) }} AS width,
    {{ json_regex_int('b.mars2020_item', 'extended.dimension', '([0-9]+)[^0-9]+([0-9]+)', 2) }} AS height,
    {{ json_num('b.mars2020_item', 'extended.sclk') }} AS sclk,
    COALESCE({{ json_timestamp('b.mars2020_item', 'date_taken_utc') }}, {{ json_timestamp('b.mars2020_item', 'date_taken') }}) AS taken_at,
    {{ json_str('b.mars2020_item', 'extended.sequence_id') }} AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, {{ json_fields('b.record', 'mars2020_item',
      'imageid', 'sol', 'date_taken_utc', 'date_taken', 'camera.instrument',
      'image_files.full_res', 'image_files.large', 'image_files.medium', 'image_files.small',
      'sample_type', 'extended.sample_type', 'extended.dimension', 'extended.sclk', 'extended.sequence_id') }}
    FROM {{ source('RAW_IMAGE_FEED_RESPONSE') }} b
    WHERE b.variant = 'mars2020' AND {{ incremental_since('b.load_id') }}
  ) b
),

msl AS (
  SELECT
    COALESCE({{ json_str('b.msl_item', 'imageid') }}, {{ json_str('b.msl_item', 'id') }}) AS image_id,
    'msl_feed' AS source,
    b.rover AS rover_name,
    {{ json_int('b.msl_item', 'sol') }} AS sol,
    CAST(COALESCE({{ json_timestamp('b.msl_item', 'date_taken') }}, {{ json_timestamp('b.msl_item', 'date_taken_utc') }}) AS DATE) AS earth_date,
    {{ json_str('b.msl_item', 'instrument') }} AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE({{ json_str('b.msl_item', 'https_url') }}, {{ json_str('b.msl_item', 'url') }}) AS img_src,
    LOWER(COALESCE({{ json_str('b.msl_item', 'sample_type') }}, {{ json_str('b.msl_item', 'extended.sample_type') }})) AS sample_type,
    {{ json_regex_int('b.msl_item', 'extended.dimension', '([0-9]+)[^0-9]+([0-9]+)', 1) }} AS width,
    {{ json_regex_int('b.msl_item', 'extended.dimension', '([0-9]+)[^0-9]+([0-9]+)', 2) }} AS height,
    {{ json_num('b.msl_item', 'extended.sclk') }} AS sclk,
    COALESCE({{ json_timestamp('b.msl_item', 'date_taken') }}, {{ json_timestamp('b.msl_item', 'date_taken_utc') }}) AS taken_at,
    {{ json_str('b.msl_item', 'extended.sequence_id') }} AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM (
    SELECT b.*, {{ json_fields('b.record', 'msl_item',
      'imageid', 'id', 'sol', 'date_taken', 'date_taken_utc', 'instrument', 'https_url', 'url',
      'sample_type', 'extended.sample_type', 'extended.dimension', 'extended.sclk', 'extended.sequence_id') }}
    FROM {{ source('RAW_IMAGE_FEED_RESPONSE') }} b
    WHERE b.variant = 'msl' AND {{ incremental_since('b.load_id') }}
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
    UPPER({{ regex_str('p.img_src', '([^/?#]+)[.][A-Za-z0-9]+([?#].*)?$', 1) }}) AS file_name
  FROM latest p
),

stems AS (
  SELECT
    n.*,
    COALESCE({{ regex_str('n.file_name', '^(.+)_(320|800|1200)$', 1) }}, n.file_name) AS image_stem
  FROM names n
),

letters AS (
  SELECT
    s.*,
    CASE
      WHEN s.rover_name = 'curiosity' THEN COALESCE(
        {{ regex_str('s.image_stem', '^[NFR]([LR])[AB]_[0-9]{9}EDR_', 1) }},
        {{ regex_str('s.image_stem', '^[0-9]{4}M([LR])[0-9]', 1) }}
      )
      WHEN s.rover_name IN ('spirit', 'opportunity') THEN {{ regex_str('s.image_stem', '^[12][A-Z][0-9]{9}[A-Z]{3}[0-9A-Z]{4}P[0-9]{4}([LR])[0-9]', 1) }}
    END AS eye_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN {{ regex_str('s.image_stem', '^[A-Z]{2}[A-Z0-9]_[0-9]{9}EDR_([FSDT])', 1) }} END AS sample_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN {{ regex_str('s.image_stem', '^[A-Z]{2}[A-Z0-9]_([0-9]{9})EDR_', 1) }} END AS sclk_digits,
    CASE
      WHEN s.rover_name IN ('curiosity', 'perseverance') THEN {{ regex_str('s.image_stem', '_[A-Z][0-9]{7}([A-Z_]{4}[0-9]{5})', 1) }}
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
