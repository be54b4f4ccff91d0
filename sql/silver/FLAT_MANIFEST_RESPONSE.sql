{{ config(materialized='table') }}
-- One row per rover: its latest manifest.
SELECT
  b.rover AS rover_name,
  {{ json_str('b.record', 'name') }} AS name,
  {{ json_date('b.record', 'landing_date') }} AS landing_date,
  {{ json_date('b.record', 'launch_date') }} AS launch_date,
  {{ json_str('b.record', 'status') }} AS status,
  {{ json_int('b.record', 'max_sol') }} AS max_sol,
  {{ json_date('b.record', 'max_date') }} AS max_date,
  {{ json_int('b.record', 'total_photos') }} AS total_photos,
  {{ json_len('b.record', 'photos') }} AS sol_entries,
  b.ingested_at,
  b.object_key
FROM {{ source('RAW_MANIFEST_RESPONSE') }} b
QUALIFY ROW_NUMBER() OVER (PARTITION BY b.rover ORDER BY b.ingested_at DESC, b.load_id DESC, b.record_index DESC) = 1
