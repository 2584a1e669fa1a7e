-- The revision of a booking's calendar entries (the .ics SEQUENCE of the
-- pickup and return events): 0 as confirmed, raised by one with every change
-- of its period (API, staff form, planning board), so that the change
-- e-mail's calendar file replaces the entries the customer saved.
ALTER TABLE reservations ADD COLUMN calendar_sequence integer NOT NULL DEFAULT 0;
