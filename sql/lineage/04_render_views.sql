-- What a render made besides the plain video, added to RENDER_RUNS in place so a warehouse made
-- before these columns keeps its rows (older runs read NULL): the mode ('normal' or 'motion'),
-- whether it stabilised, the parameters and results of both as JSON text (view_parameters:
-- stabilisation {smoothing, zoom, meanCorrection, maxCorrection}, motion {window, layout,
-- alignedFirst, gain min/median/max}), and the keys of the stabilised video and the motion view.
ALTER TABLE MARS_LINEAGE.RENDER_RUNS ADD COLUMN IF NOT EXISTS mode VARCHAR;
ALTER TABLE MARS_LINEAGE.RENDER_RUNS ADD COLUMN IF NOT EXISTS stabilised BOOLEAN;
ALTER TABLE MARS_LINEAGE.RENDER_RUNS ADD COLUMN IF NOT EXISTS view_parameters VARCHAR;
ALTER TABLE MARS_LINEAGE.RENDER_RUNS ADD COLUMN IF NOT EXISTS stabilised_video_key VARCHAR;
ALTER TABLE MARS_LINEAGE.RENDER_RUNS ADD COLUMN IF NOT EXISTS motion_video_key VARCHAR;
