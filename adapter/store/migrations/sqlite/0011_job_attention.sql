-- Items a background job failed on (a booking it could not settle, a
-- contract whose billing it could not resume, a payment it could not
-- reconcile, a customer it could not purge, ...): one row per job and item
-- with the failures in a row, whether the last one was a crash, and the
-- reference logged with it. The job's listing leaves an item alone until
-- retry_after (a back-off, so a poison row is never retried in a tight
-- loop and never blocks the others); a success deletes the row; staff see
-- the rows as "needs attention" on the booking, the contract and the
-- dashboard. subject_id is the id of the row of kind subject (no foreign
-- key: it points into several tables).
-- The PostgreSQL file 0011_job_attention.sql is the equivalent.
CREATE TABLE job_attention (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    job             text NOT NULL,
    subject         text NOT NULL,
    subject_id      INTEGER NOT NULL,
    failures        integer NOT NULL DEFAULT 1,
    panicked        INTEGER NOT NULL DEFAULT 0,
    error           text NOT NULL DEFAULT '',
    ref             text NOT NULL DEFAULT '',
    first_at        TEXT NOT NULL,
    last_at         TEXT NOT NULL,
    retry_after     TEXT NOT NULL,
    UNIQUE (job, subject, subject_id)
);
CREATE INDEX job_attention_tenant ON job_attention(tenant_id, subject, subject_id);
