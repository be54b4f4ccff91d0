-- What NASA's file names say about each image, in this one model. The file-name stem names the
-- exposure in every source: the classic API and a raw-image feed that know the same image give
-- the same stem, which is how FACT_PHOTOS keeps one row per exposure. Where only the classic API
-- knows an image, its eye, sample type and sequence come from here.
--
-- image_stem: the last path segment of the image URL, upper-cased, without its extension, query
--   and a Perseverance browse size (NLF_..._185J01_1200.jpg and NLF_..._185J01.png are one stem);
--   NULL where the URL names no file.
-- url_rank: 0 for a full-resolution https URL; +2 for a browse size (_320, _800, _1200), +1 for http.
-- name_eye: the eye of a stereo pair, where the camera name does not say it (classic NAVCAM, MAST):
--   Curiosity engineering cameras  <N|F|R><L|R><A|B>_<sclk>EDR_...   NLB_ = Navcam left, B side
--   Curiosity Mastcam (MSSS)       <sol>M<L|R>...                    1489ML... = Mastcam left
--   Spirit and Opportunity         <1|2><cam><sclk><product>...P<seq><L|R><filter>...
-- name_sample_type: Curiosity engineering cameras only, the letter after EDR_:
--   F full frame, S subframe, D downsampled, T thumbnail.
-- name_sclk: Curiosity engineering cameras, the spacecraft clock after the first underscore
--   (FLA_397506083EDR_... -> 397506083), so classic-only frames still play in the order taken.
-- name_sequence_id: the command sequence that took the image, from Curiosity engineering-camera
--   and Perseverance names (EDR_F0010008NCAM00545M_ -> NCAM00545; ECM_N0170000NCAM02394_01 -> NCAM02394).
WITH names AS (
  SELECT
    p.source,
    p.image_id,
    p.rover_name,
    p.img_src,
    UPPER(NULLIF(REGEXP_SUBSTR(p.img_src, '([^/?#]+)[.][A-Za-z0-9]+([?#].*)?$', 1, 1, 'e', 1), '')) AS file_name
  FROM MARS_SILVER.FLAT_PHOTO_RESPONSE p
),

stems AS (
  SELECT
    n.*,
    COALESCE(NULLIF(REGEXP_SUBSTR(n.file_name, '^(.+)_(320|800|1200)$', 1, 1, 'e', 1), ''), n.file_name) AS image_stem
  FROM names n
),

letters AS (
  SELECT
    s.*,
    CASE
      WHEN s.rover_name = 'curiosity' THEN COALESCE(
        NULLIF(REGEXP_SUBSTR(s.image_stem, '^[NFR]([LR])[AB]_[0-9]{9}EDR_', 1, 1, 'e', 1), ''),
        NULLIF(REGEXP_SUBSTR(s.image_stem, '^[0-9]{4}M([LR])[0-9]', 1, 1, 'e', 1), '')
      )
      WHEN s.rover_name IN ('spirit', 'opportunity') THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[12][A-Z][0-9]{9}[A-Z]{3}[0-9A-Z]{4}P[0-9]{4}([LR])[0-9]', 1, 1, 'e', 1), '')
    END AS eye_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[A-Z]{2}[A-Z0-9]_[0-9]{9}EDR_([FSDT])', 1, 1, 'e', 1), '') END AS sample_letter,
    CASE WHEN s.rover_name = 'curiosity' THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '^[A-Z]{2}[A-Z0-9]_([0-9]{9})EDR_', 1, 1, 'e', 1), '') END AS sclk_digits,
    CASE
      WHEN s.rover_name IN ('curiosity', 'perseverance') THEN NULLIF(REGEXP_SUBSTR(s.image_stem, '_[A-Z][0-9]{7}([A-Z_]{4}[0-9]{5})', 1, 1, 'e', 1), '')
    END AS name_sequence_id
  FROM stems s
)

SELECT
  l.source,
  l.image_id,
  l.rover_name,
  l.image_stem,
  CASE WHEN l.image_stem <> l.file_name THEN 2 ELSE 0 END + CASE WHEN l.img_src LIKE 'https:%' THEN 0 ELSE 1 END AS url_rank,
  CASE l.eye_letter WHEN 'L' THEN 'left' WHEN 'R' THEN 'right' END AS name_eye,
  CASE l.sample_letter WHEN 'F' THEN 'full' WHEN 'S' THEN 'subframe' WHEN 'D' THEN 'downsampled' WHEN 'T' THEN 'thumbnail' END AS name_sample_type,
  CAST(l.sclk_digits AS DOUBLE) AS name_sclk,
  l.name_sequence_id
FROM letters l
