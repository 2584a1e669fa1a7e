-- The fee a tenant charges per test drive (gross cents; 0: free, the
-- default). The handover of a test drive keeps it in the contract's terms
-- snapshot; the return of a test drive with a fee issues one invoice.
ALTER TABLE tenants ADD COLUMN test_drive_fee_cents INTEGER NOT NULL DEFAULT 0 CHECK (test_drive_fee_cents >= 0);
