-- Red dealer plates (issue 18 point 2, rote Kennzeichen, § 16 FZV): plates
-- of their own with a validity, kept at a station; a test drive or
-- transfer may go on one instead of the car's own plate, and the plate's
-- trip log (Fahrtenbuch, § 16 Abs. 2 FZV) lists those trips.
CREATE TABLE dealer_plates (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
    number       text NOT NULL,
    number_norm  text NOT NULL, -- upper case, no spaces or hyphens: how plates are compared
    station_id   INTEGER NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    notes        text NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, number_norm),
    FOREIGN KEY (tenant_id, station_id) REFERENCES stations(tenant_id, id)
);

-- the red plate a test drive or transfer goes on (NULL: the car's own)
ALTER TABLE reservations ADD COLUMN dealer_plate_id INTEGER REFERENCES dealer_plates(id);
CREATE INDEX reservations_dealer_plate ON reservations(dealer_plate_id) WHERE dealer_plate_id IS NOT NULL;
