-- Structured e-invoices (XRechnung XML) issued with an invoice or credit
-- note for a business customer. For such a recipient the XML is the legally
-- relevant original (§14 UStG): kept unchanged like the PDF in documents,
-- and deleted only with the invoice once the retention period has ended.
CREATE TABLE einvoices (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    invoice_id      bigint NOT NULL,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    sha256          text NOT NULL,
    size_bytes      integer NOT NULL,
    data            bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (invoice_id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
ALTER TABLE einvoices ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE OR REPLACE FUNCTION mietwerk_delete_after_retention() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ok boolean;
BEGIN
    IF TG_TABLE_NAME = 'invoices' THEN
        SELECT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.id = OLD.customer_id
            AND c.purged_at IS NOT NULL) INTO ok;
    ELSIF TG_TABLE_NAME IN ('invoice_lines', 'einvoices') THEN
        SELECT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
            WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND c.purged_at IS NOT NULL) INTO ok;
    ELSE
        SELECT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.purged_at IS NOT NULL AND (
                c.id = (SELECT i.customer_id FROM invoices i WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id)
                OR c.id = (SELECT k.customer_id FROM contracts k WHERE k.tenant_id = OLD.tenant_id AND k.id = OLD.contract_id)
                OR c.id = (SELECT r.customer_id FROM reservations r WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.reservation_id)))
            INTO ok;
    END IF;
    IF NOT ok THEN
        RAISE EXCEPTION 'rows of % are immutable once issued', TG_TABLE_NAME USING ERRCODE = 'P0001';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER einvoices_no_update BEFORE UPDATE ON einvoices FOR EACH ROW EXECUTE FUNCTION mietwerk_immutable();
CREATE TRIGGER einvoices_no_delete BEFORE DELETE ON einvoices FOR EACH ROW EXECUTE FUNCTION mietwerk_delete_after_retention();
