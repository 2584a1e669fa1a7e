-- The PostgreSQL file 0003_blob_storage.sql stores files uncompressed out
-- of line. SQLite never compresses values: nothing to change. (Kept so both
-- databases share one migration numbering.)
SELECT 1;
