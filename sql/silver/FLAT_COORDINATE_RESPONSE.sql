{{ config(materialized='table') }}
-- One row per feature of each rover's latest traverse and waypoint layers. MMGIS layers differ:
-- Perseverance's traverse has sol, RMC and SCLK; Curiosity's has only `Length`, so those are null.
WITH latest AS (
  SELECT b.*
  FROM {{ source('RAW_COORDINATE_RESPONSE') }} b
  QUALIFY DENSE_RANK() OVER (PARTITION BY b.rover, b.variant ORDER BY b.ingested_at DESC, b.load_id DESC) = 1
),

features AS (
  SELECT
    latest.rover AS rover_name,
    COALESCE(latest.variant, 'traverse') AS layer,
    latest.record_index AS feature_index,
    {{ json_str('latest.record', 'geometry.type') }} AS geometry_type,
    {{ json_int('latest.record', 'properties.sol') }} AS sol,
    {{ json_str('latest.record', 'properties.fromRMC') }} AS from_rmc,
    {{ json_str('latest.record', 'properties.toRMC') }} AS to_rmc,
    COALESCE({{ json_num('latest.record', 'properties.length') }}, {{ json_num('latest.record', 'properties.Length') }}) AS length_m,
    {{ json_num('latest.record', 'properties.SCLK_START') }} AS sclk_start,
    {{ json_num('latest.record', 'properties.SCLK_END') }} AS sclk_end,
    {{ json_num('latest.record', 'properties.dist_total_m') }} AS dist_total_m,
    {{ json_num('latest.record', 'geometry.coordinates[0]') }} AS point_lon,
    {{ json_num('latest.record', 'geometry.coordinates[1]') }} AS point_lat,
    {{ json_num('latest.record', 'geometry.coordinates[0][0]') }} AS line_lon,
    {{ json_num('latest.record', 'geometry.coordinates[0][1]') }} AS line_lat,
    {{ json_num('latest.record', 'geometry.coordinates[0][0][0]') }} AS multi_lon,
    {{ json_num('latest.record', 'geometry.coordinates[0][0][1]') }} AS multi_lat,
    {{ json_get('latest.record', 'geometry') }} AS geometry,
    latest.ingested_at
  FROM latest
)

SELECT
  rover_name, layer, feature_index, geometry_type, sol, from_rmc, to_rmc, length_m, sclk_start, sclk_end, dist_total_m,
  CASE geometry_type WHEN 'Point' THEN point_lon WHEN 'LineString' THEN line_lon ELSE multi_lon END AS start_lon,
  CASE geometry_type WHEN 'Point' THEN point_lat WHEN 'LineString' THEN line_lat ELSE multi_lat END AS start_lat,
  geometry,
  ingested_at
FROM features
