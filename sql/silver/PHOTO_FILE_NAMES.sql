{{ config(materialized='view') }}
-- What NASA's file names say about each image: the columns FLAT_PHOTO_RESPONSE reads from each
-- image's URL as the image arrives (described there). A view: a table of its own was rebuilt
-- from every photo on each build, and joined back to them by FACT_PHOTOS.
SELECT
  p.source,
  p.image_id,
  p.rover_name,
  p.image_stem,
  p.url_rank,
  p.name_eye,
  p.name_sample_type,
  p.name_sclk,
  p.name_sequence_id
FROM {{ ref('FLAT_PHOTO_RESPONSE') }} p
