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
-- The PostgreSQL file 0005_receipts.sql is the equivalent.
CREATE TABLE contract_receipts (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    contract_id     INTEGER NOT NULL,
    station_id      INTEGER NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('receipt','reversal','payout')),
    reverses_id     INTEGER UNIQUE,
    method          text NOT NULL CHECK (method IN ('cash','terminal','transfer')),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0),
    reference       text NOT NULL DEFAULT '',
    received_on     TEXT NOT NULL,
    reason          text NOT NULL DEFAULT '',
    created_by      INTEGER,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    CHECK ((kind = 'reversal') = (reverses_id IS NOT NULL)),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts(tenant_id, id),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id),
    FOREIGN KEY (tenant_id, reverses_id) REFERENCES contract_receipts(tenant_id, id)
);
CREATE INDEX contract_receipts_contract ON contract_receipts(tenant_id, contract_id);
CREATE INDEX contract_receipts_day ON contract_receipts(tenant_id, received_on);

CREATE TRIGGER contract_receipts_no_delete BEFORE DELETE ON contract_receipts
BEGIN SELECT RAISE(ABORT, 'rows of contract_receipts are immutable once issued'); END;
CREATE TRIGGER contract_receipts_no_update BEFORE UPDATE ON contract_receipts
WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NEW.contract_id IS NOT OLD.contract_id OR NEW.station_id IS NOT OLD.station_id OR NEW.kind IS NOT OLD.kind
    OR NEW.reverses_id IS NOT OLD.reverses_id OR NEW.method IS NOT OLD.method OR NEW.amount_cents IS NOT OLD.amount_cents
    OR NEW.received_on IS NOT OLD.received_on OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'rows of contract_receipts are immutable once issued'); END;
