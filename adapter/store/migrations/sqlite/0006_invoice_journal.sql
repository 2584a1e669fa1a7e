-- The sales journal (admin "Rechnungen", its CSV and ZIP exports) selects a
-- tenant's invoices by issue date; without this index every query read all
-- of the tenant's invoices.
CREATE INDEX invoices_issued ON invoices(tenant_id, issued_at);
