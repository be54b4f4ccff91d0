-- One row per image, harmonised across the classic Photos API and the two raw-image feeds.
-- Re-ingesting a sol replaces its rows (latest ingestion wins); the classic API knows no
-- sample type (its images are full frames), sizes, clock or time taken. The feeds put
-- `sample_type` at the top level or under `extended` (the recorded Curiosity response), and
-- Curiosity's `https_url` is preferred over its `url`.
WITH classic AS (
  SELECT
    b.record:id::VARCHAR AS image_id,
    'photos_api' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.record:sol)) AS sol,
    TRY_TO_DATE(b.record:earth_date::VARCHAR) AS earth_date,
    b.record:camera.name::VARCHAR AS camera_name,
    b.record:camera.full_name::VARCHAR AS camera_full_name,
    b.record:img_src::VARCHAR AS img_src,
    'full' AS sample_type,
    CAST(NULL AS INTEGER) AS width,
    CAST(NULL AS INTEGER) AS height,
    CAST(NULL AS DOUBLE) AS sclk,
    CAST(NULL AS TIMESTAMP_NTZ) AS taken_at,
    CAST(NULL AS VARCHAR) AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM MARS_BRONZE.RAW_PHOTO_RESPONSE b
  WHERE b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
),

mars2020 AS (
  SELECT
    b.record:imageid::VARCHAR AS image_id,
    'mars2020_feed' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.record:sol)) AS sol,
    CAST(COALESCE(TRY_TO_TIMESTAMP_NTZ(b.record:date_taken_utc::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.record:date_taken::VARCHAR)) AS DATE) AS earth_date,
    b.record:camera.instrument::VARCHAR AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE(
      b.record:image_files.full_res::VARCHAR, b.record:image_files.large::VARCHAR,
      b.record:image_files.medium::VARCHAR, b.record:image_files.small::VARCHAR
    ) AS img_src,
    LOWER(COALESCE(b.record:sample_type::VARCHAR, b.record:extended.sample_type::VARCHAR)) AS sample_type,
    TRY_CAST(REGEXP_SUBSTR(b.record:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 1) AS INTEGER) AS width,
    TRY_CAST(REGEXP_SUBSTR(b.record:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 2) AS INTEGER) AS height,
    TRY_TO_DOUBLE(TO_VARCHAR(b.record:extended.sclk)) AS sclk,
    COALESCE(TRY_TO_TIMESTAMP_NTZ(b.record:date_taken_utc::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.record:date_taken::VARCHAR)) AS taken_at,
    b.record:extended.sequence_id::VARCHAR AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE b
  WHERE b.variant = 'mars2020' AND b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
),

msl AS (
  SELECT
    COALESCE(b.record:imageid::VARCHAR, b.record:id::VARCHAR) AS image_id,
    'msl_feed' AS source,
    b.rover AS rover_name,
    TRY_TO_NUMBER(TO_VARCHAR(b.record:sol)) AS sol,
    CAST(COALESCE(TRY_TO_TIMESTAMP_NTZ(b.record:date_taken::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.record:date_taken_utc::VARCHAR)) AS DATE) AS earth_date,
    b.record:instrument::VARCHAR AS camera_name,
    CAST(NULL AS VARCHAR) AS camera_full_name,
    COALESCE(b.record:https_url::VARCHAR, b.record:url::VARCHAR) AS img_src,
    LOWER(COALESCE(b.record:sample_type::VARCHAR, b.record:extended.sample_type::VARCHAR)) AS sample_type,
    TRY_CAST(REGEXP_SUBSTR(b.record:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 1) AS INTEGER) AS width,
    TRY_CAST(REGEXP_SUBSTR(b.record:extended.dimension::VARCHAR, '([0-9]+)[^0-9]+([0-9]+)', 1, 1, 'e', 2) AS INTEGER) AS height,
    TRY_TO_DOUBLE(TO_VARCHAR(b.record:extended.sclk)) AS sclk,
    COALESCE(TRY_TO_TIMESTAMP_NTZ(b.record:date_taken::VARCHAR), TRY_TO_TIMESTAMP_NTZ(b.record:date_taken_utc::VARCHAR)) AS taken_at,
    b.record:extended.sequence_id::VARCHAR AS sequence_id,
    b.ingested_at, b.load_id, b.record_index, b.object_key
  FROM MARS_BRONZE.RAW_IMAGE_FEED_RESPONSE b
  WHERE b.variant = 'msl' AND b.load_id > (SELECT COALESCE(MAX(load_id), 0) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE)
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
