-- Payer invoices after issue (issue 17 point 5). payer_invoice_sends: each
-- time a payer's document was queued by e-mail to its payer (at issue, or
-- later by staff), kept apart from the outbox, whose messages retention
-- deletes. payer_payments: transfers received against a payer's document
-- and the reversals of entries made by mistake (nothing is deleted).
CREATE TABLE payer_invoice_sends (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    invoice_id  bigint NOT NULL,
    email_id    bigint,
    to_addr     text NOT NULL,
    sent_at     timestamptz NOT NULL,
    actor_name  text NOT NULL DEFAULT '',
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
CREATE INDEX payer_invoice_sends_invoice ON payer_invoice_sends(tenant_id, invoice_id);

CREATE TABLE payer_payments (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants(id),
    invoice_id    bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('transfer','reversal')),
    reverses_id   bigint REFERENCES payer_payments(id),
    amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
    received_on   text NOT NULL,
    reference     text NOT NULL DEFAULT '',
    reason        text NOT NULL DEFAULT '',
    created_by    bigint,
    created_by_name text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
CREATE INDEX payer_payments_invoice ON payer_payments(tenant_id, invoice_id);
CREATE UNIQUE INDEX payer_payments_reversal ON payer_payments(reverses_id) WHERE reverses_id IS NOT NULL;
