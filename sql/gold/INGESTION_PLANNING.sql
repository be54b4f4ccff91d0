{{ config(materialized='table') }}
-- Contiguous runs of manifest sols still missing photos, for the ingestion planner. Sols the
-- manifest skips (no photos taken) do not break a run. Reason: 'not ingested' (no photo of the
-- run's sols is in) or 'partially ingested' (some are).
WITH manifest AS (
  SELECT
    m.rover_name,
    m.sol,
    ROW_NUMBER() OVER (PARTITION BY m.rover_name ORDER BY m.sol) AS position,
    g.missing_photos,
    CASE WHEN g.ingested_photos = 0 THEN 'not ingested' ELSE 'partially ingested' END AS reason
  FROM {{ ref('FLAT_MANIFEST_PHOTOS') }} m
  JOIN {{ ref('VALIDATION_PHOTO_GAPS') }} g ON g.rover_name = m.rover_name AND g.sol = m.sol
),

islands AS (
  SELECT
    rover_name, sol, missing_photos, reason,
    position - ROW_NUMBER() OVER (PARTITION BY rover_name, reason ORDER BY sol) AS island
  FROM manifest
)

SELECT
  rover_name,
  MIN(sol) AS sol_start,
  MAX(sol) AS sol_end,
  CAST(SUM(missing_photos) AS BIGINT) AS missing_photos,
  COUNT(*) AS sols,
  reason
FROM islands
GROUP BY rover_name, reason, island
