-- Payments received outside the card gateway (cash, the card terminal at the
-- counter, a bank transfer), recorded by staff against a contract whose money
-- is open, and payouts: money given back outside the card (cash, the
-- terminal, a transfer), e.g. for a credit note of a customer who paid in
-- cash. A receipt or payout entered by mistake is cancelled by a reversal
-- row that points at it (reverses_id, at most one per row): rows are never
-- deleted, and nothing but the free texts reference and reason (blanked
-- when the customer is purged after the retention period) ever changes. The net of a
-- contract is receipts − payouts, each reversal taking back what it reverses;
-- all amounts are positive.
-- station_id is the till: the station where the money was taken or paid
-- out (a reversal: that of the row it cancels). received_on is the day the
-- money came in (for a reversal: the day it was reversed). created_by is the user id (like created_by elsewhere, no
-- foreign key: users may be deleted, the bookkeeping stays).
CREATE TABLE contract_receipts (
    id              bigserial PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants(id),
    contract_id     bigint NOT NULL,
    station_id      bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('receipt','reversal','payout')),
    reverses_id     bigint UNIQUE,
    method          text NOT NULL CHECK (method IN ('cash','terminal','transfer')),
    amount_cents    bigint NOT NULL CHECK (amount_cents > 0),
    reference       text NOT NULL DEFAULT '',
    received_on     date NOT NULL,
    reason          text NOT NULL DEFAULT '',
    created_by      bigint,
    created_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, reverses_id) REFERENCES contract_receipts(tenant_id, id)
);
CREATE INDEX contract_receipts_contract ON contract_receipts(tenant_id, contract_id);
CREATE INDEX contract_receipts_day ON contract_receipts(tenant_id, received_on);

CREATE FUNCTION mietwerk_receipts_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.tenant_id, NEW.contract_id, NEW.station_id, NEW.kind, NEW.reverses_id, NEW.method, NEW.amount_cents,
            NEW.received_on, NEW.created_by, NEW.created_at) IS NOT DISTINCT FROM
            (OLD.tenant_id, OLD.contract_id, OLD.station_id, OLD.kind, OLD.reverses_id, OLD.method, OLD.amount_cents,
            OLD.received_on, OLD.created_by, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'rows of % are immutable once issued', TG_TABLE_NAME USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER contract_receipts_immutable BEFORE UPDATE OR DELETE ON contract_receipts
    FOR EACH ROW EXECUTE FUNCTION mietwerk_receipts_immutable();
