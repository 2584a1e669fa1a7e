-- Collective invoices (issue 17): a fleet or leasing payer may be billed
-- once a month for all its rentals instead of per rental. Its share of a
-- rental is then not invoiced at return; a collective run issues one
-- invoice listing the rentals, and each rental is recorded as billed on it
-- exactly once (the primary key).
ALTER TABLE payers ADD COLUMN collective boolean NOT NULL DEFAULT false;

CREATE TABLE collective_items (
    tenant_id    bigint NOT NULL,
    payer_id     bigint NOT NULL,
    contract_id  bigint NOT NULL,
    invoice_id   bigint NOT NULL,
    gross_cents  bigint NOT NULL,
    PRIMARY KEY (tenant_id, contract_id, payer_id),
    FOREIGN KEY (tenant_id, payer_id) REFERENCES payers(tenant_id, id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
CREATE INDEX collective_items_invoice ON collective_items(tenant_id, invoice_id);
