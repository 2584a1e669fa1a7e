-- Payer invoices (issue 17, billing splits): an invoice addressed to a payer
-- (insurer, manufacturer programme, fleet customer, cost centre) carries the
-- payer; its buyer (name, address, VAT id) is the recipient snapshot as for
-- every invoice. Such invoices are the payer's receivables and stay out of
-- the driver's ledger. Payers get the e-mail address their invoices and
-- e-invoices go to (the buyer's electronic address, XRechnung BT-49).
ALTER TABLE invoices ADD COLUMN payer_id INTEGER REFERENCES payers(id);
CREATE INDEX invoices_payer ON invoices(tenant_id, payer_id) WHERE payer_id IS NOT NULL;
ALTER TABLE payers ADD COLUMN email text NOT NULL DEFAULT '';
