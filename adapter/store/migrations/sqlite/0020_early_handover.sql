-- How long before the booked pickup a car is handed over without asking
-- (earlier, or while the station is closed, staff confirm and are told what
-- it does to the rental days and the price).
ALTER TABLE tenants ADD COLUMN early_handover_minutes integer NOT NULL DEFAULT 60;
