-- 0007: when discovery last probed past a fresh open-data archive's end (the weekly safety probe).
ALTER TABLE opendata_archives ADD COLUMN probed_at TIMESTAMP;
COMMENT ON COLUMN opendata_archives.probed_at IS 'when sync last asked numbers past this archive''s end (its weekly safety probe); NULL if never';
