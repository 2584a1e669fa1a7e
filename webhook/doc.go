// Package webhook sends a tenant's events to URLs of its own, signed as the
// Standard Webhooks specification (standardwebhooks.com) describes: each
// request is a POST of a JSON body {"type", "timestamp", "data"} with the
// headers webhook-id (the event's message id, the same for every retry),
// webhook-timestamp (the attempt's Unix time) and webhook-signature
// ("v1," + base64 HMAC-SHA256 over "id.timestamp.body" with the endpoint's
// whsec_ secret).
//
// Events are facts of the business: a booking confirmed, failed, changed or
// cancelled, a contract started or ended, an invoice issued, a payment that
// succeeded or failed. The store queues an event (and one delivery per
// endpoint that wants it) inside the transaction that causes it — like the
// e-mail outbox — so an event is never lost nor sent for a change that was
// rolled back. Its data is the object as the booking API returns it,
// rendered right after the commit (a Renderer the API implements) and then
// kept unchanged: every retry sends the same bytes.
//
// The Dispatcher runs in every server process. It claims due deliveries
// with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), delivers them at
// least once, in order per object and endpoint, and retries failures on a
// schedule that spans more than a day (Schedule). An endpoint whose
// deliveries keep failing that long, or that answers 410 Gone, is disabled
// and the tenant's administrators are told by e-mail and in the admin web.
//
// No HTTP here: a Sender (adapter) makes the requests, refusing private and
// loopback addresses unless the operator allows them.
package webhook
