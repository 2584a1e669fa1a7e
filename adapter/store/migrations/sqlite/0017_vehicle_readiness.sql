-- Fleet readiness (issue 15): after a return a car is "to_clean" or
-- "to_inspect" (per its recorded cleanliness and new damages) until staff
-- mark it ready; and the next service date, which like the HU blocks a
-- handover unless staff give a reason.
ALTER TABLE vehicles ADD COLUMN readiness text NOT NULL DEFAULT 'ready';
ALTER TABLE vehicles ADD COLUMN next_service TEXT;
-- Why the customer did not sign a protocol (staff record it; the PDF
-- prints it instead of a name under an empty line).
ALTER TABLE protocols ADD COLUMN unsigned_reason text NOT NULL DEFAULT '';
