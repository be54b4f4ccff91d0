-- One row per image, harmonised across the classic Photos API and the two raw-image feeds.
-- Re-ingesting a sol replaces its rows (latest ingestion wins); the classic API knows no
-- sample type (its images are full frames), sizes, clock or time taken. The feeds put
-- `sample_type` at the top level or under `extended` (the recorded Curiosity response), and
-- Curiosity's `https_url` is preferred over its `url`. Each record's JSON is read once for all
-- the fields taken from it (json_fields), not once per field.
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
)

SELECT
  image_id, rover_name, sol, earth_date, camera_name, camera_full_name, img_src, source,
  sample_type, width, height, sclk, taken_at, sequence_id, ingested_at, load_id, object_key
FROM unioned
QUALIFY ROW_NUMBER() OVER (PARTITION BY source, image_id ORDER BY ingested_at DESC, load_id DESC, record_index DESC) = 1
