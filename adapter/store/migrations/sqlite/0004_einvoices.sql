-- Structured e-invoices (XRechnung XML) issued with an invoice or credit
-- note for a business customer. For such a recipient the XML is the legally
-- relevant original (§14 UStG): kept unchanged like the PDF in documents,
-- and deleted only with the invoice once the retention period has ended.
-- The PostgreSQL file 0004_einvoices.sql is the equivalent.
CREATE TABLE einvoices (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    invoice_id      INTEGER NOT NULL UNIQUE,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    sha256          text NOT NULL,
    size_bytes      INTEGER NOT NULL,
    data            BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);

CREATE TRIGGER einvoices_no_update BEFORE UPDATE ON einvoices
BEGIN SELECT RAISE(ABORT, 'rows of einvoices are immutable once issued'); END;
CREATE TRIGGER einvoices_no_delete BEFORE DELETE ON einvoices
WHEN NOT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
    WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND c.purged_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'rows of einvoices are immutable once issued'); END;
