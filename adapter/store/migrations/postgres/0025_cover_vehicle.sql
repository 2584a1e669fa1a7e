-- The customer's own car behind a replacement rental (issue 17, reports):
-- manufacturers' mobility programmes and insurers settle per damaged or
-- repaired vehicle, so a cover records its VIN (FIN) and plate; the
-- manufacturer claims report lists them.
ALTER TABLE reservation_covers ADD COLUMN customer_vin text NOT NULL DEFAULT '';
ALTER TABLE reservation_covers ADD COLUMN customer_plate text NOT NULL DEFAULT '';
