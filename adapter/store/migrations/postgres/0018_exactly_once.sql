-- Exactly once under crashes (issue 20); the SQLite file 0018_exactly_once.sql
-- is the equivalent. Every multi-step operation records
-- its progress so that any process resumes it from the last step:
--
-- reservations.idempotency_key binds a booking to the Idempotency-Key of
-- the API request that created it (with api_client_id), in the same
-- transaction that creates it: a retry with the key resumes that booking,
-- never starts a second one. The unique index makes "one key, one live
-- booking" a database rule; a failed booking leaves it (a booking that
-- failed before any money could move may be booked again with its key).
-- lease_until is held by the process working on a booking (a request, or
-- the job finishing it); another one waits until it expires (its process
-- died). settled_at says the cancellation is finished (credit note,
-- refunds and the customer's e-mail done); the fee it keeps is stored with
-- the cancellation (cancel_fee_cents, 0013_money_docs).
ALTER TABLE reservations ADD COLUMN idempotency_key text;
ALTER TABLE reservations ADD COLUMN lease_until timestamptz;
ALTER TABLE reservations ADD COLUMN settled_at timestamptz;
CREATE UNIQUE INDEX reservations_idempotency_key ON reservations(tenant_id, api_client_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND status <> 'failed';
UPDATE reservations SET settled_at = updated_at WHERE status = 'cancelled';

-- contracts.billed_at says billing after the return is finished (final
-- invoice, money taken or payment_open, credit and refund, deposit
-- released). A contract returned, or billed without it, was left half way
-- by a stopped process and is billed on by the resume job.
ALTER TABLE contracts ADD COLUMN billed_at timestamptz;
UPDATE contracts SET billed_at = updated_at WHERE status IN ('billed', 'payment_open', 'closed');
