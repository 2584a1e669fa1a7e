-- When the background job released a start on a red dealer plate that
-- nobody handed over in time (the booking is cancelled then and the plate
-- free again); NULL for every other booking. A handover of a released
-- start is refused with a message that says so.
ALTER TABLE reservations ADD COLUMN released_at timestamptz;
