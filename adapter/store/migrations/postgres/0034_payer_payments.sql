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

-- Dunning of payer documents in three levels (1 Zahlungserinnerung,
-- 2 1. Mahnung, 3 2. Mahnung): per tenant each level's fee (gross cents,
-- 0 allowed), the days after the due date (level 1) or after the previous
-- level (2, 3), its text ('' the German default); term_days is the new
-- deadline a notice sets.
CREATE TABLE dunning_settings (
    tenant_id   bigint PRIMARY KEY REFERENCES tenants(id),
    days_1      bigint NOT NULL DEFAULT 7 CHECK (days_1 BETWEEN 0 AND 365),
    days_2      bigint NOT NULL DEFAULT 14 CHECK (days_2 BETWEEN 1 AND 365),
    days_3      bigint NOT NULL DEFAULT 14 CHECK (days_3 BETWEEN 1 AND 365),
    fee_1       bigint NOT NULL DEFAULT 0 CHECK (fee_1 >= 0),
    fee_2       bigint NOT NULL DEFAULT 500 CHECK (fee_2 >= 0),
    fee_3       bigint NOT NULL DEFAULT 1000 CHECK (fee_3 >= 0),
    text_1      text NOT NULL DEFAULT '',
    text_2      text NOT NULL DEFAULT '',
    text_3      text NOT NULL DEFAULT '',
    term_days   bigint NOT NULL DEFAULT 10 CHECK (term_days BETWEEN 1 AND 90),
    updated_at  timestamptz NOT NULL
);

-- A dunning notice: each level at most once per document (a re-run issues
-- nothing twice), numbered per tenant, with its PDF as sent.
CREATE TABLE dunning_notices (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants(id),
    invoice_id    bigint NOT NULL,
    payer_id      bigint NOT NULL,
    level         bigint NOT NULL CHECK (level BETWEEN 1 AND 3),
    number        text NOT NULL,
    run_day       text NOT NULL,
    open_cents    bigint NOT NULL CHECK (open_cents > 0),
    fee_cents     bigint NOT NULL CHECK (fee_cents >= 0),
    fees_cents    bigint NOT NULL CHECK (fees_cents >= 0),
    due_on        text NOT NULL,
    to_addr       text NOT NULL DEFAULT '',
    filename      text NOT NULL,
    sha256        text NOT NULL,
    pdf           bytea NOT NULL,
    created_by_name text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    UNIQUE (tenant_id, invoice_id, level),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices(tenant_id, id)
);
CREATE INDEX dunning_notices_run ON dunning_notices(tenant_id, run_day);

-- Mahnsperre: a payer (invoice_id NULL) or one document excluded from
-- dunning, with the reason; lifting it removes the row (audited).
CREATE TABLE dunning_blocks (
    id          bigserial PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants(id),
    payer_id    bigint NOT NULL,
    invoice_id  bigint,
    reason      text NOT NULL CHECK (reason <> ''),
    created_by_name text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX dunning_blocks_payer ON dunning_blocks(tenant_id, payer_id) WHERE invoice_id IS NULL;
CREATE UNIQUE INDEX dunning_blocks_invoice ON dunning_blocks(tenant_id, invoice_id) WHERE invoice_id IS NOT NULL;
