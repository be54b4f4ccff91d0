{{ config(materialized='table') }}
-- Manifest sols whose photos are not (fully) ingested: the manifest counts the classic API's
-- photos, so only those are compared.
WITH ingested AS (
  SELECT rover_name, sol, COUNT(*) AS ingested_photos
  FROM {{ ref('FACT_PHOTOS') }}
  WHERE source = 'photos_api'
  GROUP BY rover_name, sol
)

SELECT
  m.rover_name,
  m.sol,
  m.earth_date,
  m.total_photos,
  COALESCE(i.ingested_photos, 0) AS ingested_photos,
  m.total_photos - COALESCE(i.ingested_photos, 0) AS missing_photos
FROM {{ ref('FLAT_MANIFEST_PHOTOS') }} m
LEFT JOIN ingested i ON i.rover_name = m.rover_name AND i.sol = m.sol
WHERE COALESCE(i.ingested_photos, 0) < m.total_photos
