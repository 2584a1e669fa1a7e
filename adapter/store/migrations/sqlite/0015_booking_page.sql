-- The customer's own booking page (reached by the link in the booking
-- confirmation): page_token_hash is the SHA-256 (hex) of the token in the
-- link, set when the booking is confirmed; the token itself is never
-- stored. NULL: the booking has no page (made at the counter or before).
-- precheckin is what the customer entered on the page before pickup: the
-- drivers and their driving licences (JSON), for staff to confirm at the
-- counter; precheckin_at when. An erasure request deletes both.
-- The PostgreSQL file 0015_booking_page.sql is the equivalent.
ALTER TABLE reservations ADD COLUMN page_token_hash text;
CREATE UNIQUE INDEX reservations_page_token ON reservations(page_token_hash) WHERE page_token_hash IS NOT NULL;
ALTER TABLE reservations ADD COLUMN precheckin text;
ALTER TABLE reservations ADD COLUMN precheckin_at TEXT;
