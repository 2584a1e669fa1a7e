-- Stored files (PDFs, JPEG/PNG/WebP photos, PNG signatures and logos) are
-- already compressed: keep them out of line without PostgreSQL's pglz
-- compression, which spent about 1 ms per issued invoice PDF for nothing.
-- Affects values written from now on; the SQLite file 0003_blob_storage.sql
-- has nothing to change (SQLite never compresses).
ALTER TABLE documents ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE email_attachments ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE damage_photos ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE damage_photos ALTER COLUMN thumb SET STORAGE EXTERNAL;
ALTER TABLE protocols ALTER COLUMN signature_png SET STORAGE EXTERNAL;
ALTER TABLE tenants ALTER COLUMN logo_png SET STORAGE EXTERNAL;
