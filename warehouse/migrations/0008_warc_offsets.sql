-- 0008: where each archived page's WARC record is, so reading it back needs no scan of the archive.
-- NULL for pages archived before WARC (in a pack or a file of their own): those are looked for.

ALTER TABLE raw_pages ADD COLUMN warc_file VARCHAR;
ALTER TABLE raw_pages ADD COLUMN warc_offset BIGINT;
ALTER TABLE raw_pages ADD COLUMN warc_length BIGINT;

COMMENT ON COLUMN raw_pages.warc_file IS 'The WARC file holding the page''s response record, relative to the archive directory (e.g. 16/QE/0012.warc.gz); NULL when archived before WARC';
COMMENT ON COLUMN raw_pages.warc_offset IS 'Where the record (its gzip member) starts in warc_file, in bytes';
COMMENT ON COLUMN raw_pages.warc_length IS 'The record''s length in warc_file, in bytes (its whole gzip member)';
