{{ config(materialized='table') }}
-- One row per sol entry of each rover's latest manifest (sols without photos have no entry).
-- Only the photos array crosses into the flatten: the whole record would be copied into every row.
WITH latest AS (
  SELECT b.rover, {{ json_array('b.record', 'photos') }} AS photos
  FROM {{ source('RAW_MANIFEST_RESPONSE') }} b
  QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1
)

SELECT
  latest.rover AS rover_name,
  {{ json_int('e.value', 'sol') }} AS sol,
  {{ json_date('e.value', 'earth_date') }} AS earth_date,
  {{ json_int('e.value', 'total_photos') }} AS total_photos,
  {{ json_len('e.value', 'cameras') }} AS camera_count,
  {{ json_get('e.value', 'cameras') }} AS cameras
FROM latest, {{ flatten('latest.photos', 'e') }}
