-- Every booking keeps the name and billing address it was made with (the
-- booking snapshot): its invoices, contract, protocols and e-invoices print
-- these, whatever the customer record says later. A contract prints the
-- snapshot of its reservation (one each).
ALTER TABLE reservations ADD COLUMN bill_company text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_first_name text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_last_name text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_street text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_postal_code text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_city text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_country text NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN bill_vat_id text NOT NULL DEFAULT '';

-- The customer data an online booking brought for a customer who already
-- existed (JSON), applied to the customer record, audited with the booking
-- number, when the booking is confirmed; dropped when it fails. Until then
-- the record stays as it was: a stranger with someone's e-mail and a
-- declined card changes nothing.
ALTER TABLE reservations ADD COLUMN customer_update text;

-- Bookings made before snapshots print their customer as the record is now.
UPDATE reservations SET bill_company = c.company, bill_first_name = c.first_name, bill_last_name = c.last_name,
    bill_street = c.street, bill_postal_code = c.postal_code, bill_city = c.city, bill_country = c.country,
    bill_vat_id = c.vat_id
FROM customers c WHERE c.id = reservations.customer_id;
