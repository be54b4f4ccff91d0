{{ config(materialized='incremental', unique_key='source,image_id', updated_at='ingested_at') }}
-- One row per image, harmonised across the classic Photos API and the two raw-image feeds.
-- Re-ingesting a sol replaces its rows (latest ingestion wins); the classic API knows no
-- sample type (its images are full frames), sizes, clock or time taken. The feeds put
-- `sample_type` at the top level or under `extended` (the recorded Curiosity response), and
-- Curiosity's `https_url` is preferred over its `url`. Each record's JSON is read once for all
-- the fields taken from it (json_fields), not once per field.
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
)

SELECT
  image_id, rover_name, sol, earth_date, camera_name, camera_full_name, img_src, source,
  sample_type, width, height, sclk, taken_at, sequence_id, ingested_at, load_id, object_key
FROM unioned
QUALIFY ROW_NUMBER() OVER (PARTITION BY source, image_id ORDER BY ingested_at DESC, load_id DESC, record_index DESC) = 1
