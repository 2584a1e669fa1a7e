-- Contract kinds (issue 18 point 1): besides rentals, a booking (and the
-- contract it becomes at the handover) is a test drive (Probefahrt),
-- internal use (Dienstfahrt: purpose and cost centre) or a transfer
-- (Überführung: return_station_id is the destination). All of them hold
-- the car through the same allocations; only rentals are billed.
ALTER TABLE reservations ADD COLUMN kind text NOT NULL DEFAULT 'rental' CHECK (kind IN ('rental','test_drive','internal','transfer'));
ALTER TABLE reservations ADD COLUMN purpose text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN cost_centre text NOT NULL DEFAULT '';
-- A test drive records the customer's identity as facts, no copies: the
-- document's kind and number, who checked it and when.
ALTER TABLE reservations ADD COLUMN id_document text NOT NULL DEFAULT '' CHECK (id_document IN ('','id_card','passport','residence_permit'));
ALTER TABLE reservations ADD COLUMN id_number text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN id_checked_by INTEGER REFERENCES users(id);
ALTER TABLE reservations ADD COLUMN id_checked_at TEXT;
CREATE INDEX reservations_kind ON reservations(tenant_id, kind) WHERE kind <> 'rental';

-- The deductible a test-drive customer is liable for (the agreement signed
-- at the handover prints it), gross cents.
ALTER TABLE tenants ADD COLUMN test_drive_deductible_cents INTEGER NOT NULL DEFAULT 100000 CHECK (test_drive_deductible_cents >= 0);
