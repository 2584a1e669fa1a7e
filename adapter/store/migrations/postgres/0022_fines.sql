-- Fines, tolls and parking tickets (issue 18 point 3): a notice from an
-- authority about a car, recorded on the contract under which the car was
-- out at the offence; the keeper's answer to the authority, the letter to
-- the customer and the tenant's processing fee (charged once: to the
-- stored card, else invoiced).
CREATE TABLE fines (
    id                 bigserial PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants(id),
    contract_id        bigint NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('fine','toll','parking')),
    authority_name     text NOT NULL,
    authority_address  text NOT NULL DEFAULT '',
    reference          text NOT NULL,
    offence_at         timestamptz NOT NULL,
    place              text NOT NULL DEFAULT '',
    offence            text NOT NULL DEFAULT '',
    amount_cents       bigint NOT NULL CHECK (amount_cents >= 0),
    status             text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded','answered','fee_charged')),
    fee_cents          bigint NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    fee_invoice_id     bigint REFERENCES invoices(id),
    fee_claimed_until  timestamptz,
    answered_at        timestamptz,
    letter_sent_at     timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, contract_id, reference),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id)
);
CREATE INDEX fines_tenant_offence ON fines(tenant_id, offence_at);

-- The processing fee (Bearbeitungsgebühr) a tenant charges per case, gross.
ALTER TABLE tenants ADD COLUMN fine_fee_cents bigint NOT NULL DEFAULT 1500 CHECK (fine_fee_cents >= 0);
