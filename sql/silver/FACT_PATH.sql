{{ config(materialized='table') }}
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
FROM {{ ref('FLAT_COORDINATE_RESPONSE') }} c
WHERE c.layer = 'traverse'
