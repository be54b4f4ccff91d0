{{ config(materialized='table') }}
-- The four rovers the sources know, with what their latest manifest and the ingested photos add.
WITH rovers AS (
  SELECT * FROM (VALUES
    ('curiosity', 'Curiosity', 'MSL', '2011-11-26', '2012-08-06'),
    ('perseverance', 'Perseverance', 'M20', '2020-07-30', '2021-02-18'),
    ('opportunity', 'Opportunity', 'MER-B', '2003-07-07', '2004-01-25'),
    ('spirit', 'Spirit', 'MER-A', '2003-06-10', '2004-01-04')
  ) AS r(rover_name, name, mission, launch_date, landing_date)
),

photos AS (
  SELECT rover_name, COUNT(*) AS photos_ingested, MAX(sol) AS max_sol_ingested
  FROM {{ ref('FACT_PHOTOS') }}
  GROUP BY rover_name
)

SELECT
  r.rover_name,
  r.name,
  r.mission,
  CAST(r.launch_date AS DATE) AS launch_date,
  CAST(r.landing_date AS DATE) AS landing_date,
  m.status,
  m.max_sol,
  m.max_date,
  m.total_photos,
  COALESCE(p.photos_ingested, 0) AS photos_ingested,
  p.max_sol_ingested
FROM rovers r
LEFT JOIN {{ ref('FLAT_MANIFEST_RESPONSE') }} m ON m.rover_name = r.rover_name
LEFT JOIN photos p ON p.rover_name = r.rover_name
