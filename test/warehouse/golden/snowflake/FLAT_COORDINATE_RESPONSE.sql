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
FROM features
