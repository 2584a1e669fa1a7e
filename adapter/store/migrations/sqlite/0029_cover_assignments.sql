-- The customer's signed assignment of claims (Abtretungserklärung) of an
-- accident replacement rental: the PDF with the signature as signed, one
-- per rental, never changed (issue 17: signed on the tablet, stored as a
-- document).
CREATE TABLE cover_assignments (
    tenant_id        INTEGER NOT NULL,
    reservation_id   INTEGER NOT NULL,
    signer_name      text NOT NULL,
    signature_png    BLOB NOT NULL,
    pdf              BLOB NOT NULL,
    sha256           text NOT NULL,
    signed_at        TEXT NOT NULL,
    created_by_name  text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, reservation_id),
    FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations(tenant_id, id)
);
CREATE TRIGGER cover_assignments_no_update BEFORE UPDATE ON cover_assignments
BEGIN SELECT RAISE(ABORT, 'rows of cover_assignments are immutable once signed'); END;
