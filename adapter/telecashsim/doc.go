// Package telecashsim is an in-memory simulator of the Telecash / Fiserv
// IPG REST API v2, faithful to the protocol facts the telecash adapter is
// built on. It serves the real paths under the real prefix
// /ipp/payments-gateway/v2:
//
//	POST   /payments                  primary transactions (card/token sale and pre-auth)
//	GET    /payments/{id}             inquiry by ipgTransactionId or merchantTransactionId
//	POST   /payments/{id}             PostAuth, Return, VoidTransaction, VoidPreAuthTransactions
//	GET    /orders/{orderId}          all transactions of an order
//	POST   /orders/{orderId}          PostAuth and Return against an order
//	POST   /payment-tokens            PaymentCardPaymentTokenizationRequest
//	GET    /payment-tokens/{id}       token details
//	DELETE /payment-tokens/{id}       delete a token
//
// # Authentication
//
// Every request needs Api-Key, Client-Request-Id, Timestamp and
// Message-Signature (and Content-Type: application/json on POST, else 415).
// A wrong key, a Timestamp more than 5 minutes off the simulator's clock,
// a bad signature, or a Client-Request-Id already seen in the last 5
// minutes is answered 401 (responseType Unauthenticated). The signature is
// Base64(HMAC-SHA256(secret, apiKey+clientRequestId+timestamp+body)) over
// the raw body (variant A); variant B (Base64 of the lowercase hex digest)
// is accepted too unless Options.DisableHexSignature is set. A storeId
// other than the configured one is answered 403.
//
// # Behaviour
//
// Any Luhn-valid card not listed below is approved. Sales end CAPTURED,
// pre-auths AUTHORIZED. A new primary transaction with an orderId the
// simulator has seen (even for a declined attempt) is refused with 409 and
// approvalCode "N:-5003:The order already exists in the database.", except
// a further pre-auth on an order whose earlier pre-auth is still open
// (incremental authorisation). PostAuth may capture in parts up to the
// order's authorised sum; Return may refund in parts up to the order's
// captured sum; VoidTransaction cancels a sale, capture, return or an
// uncaptured pre-auth until Settle is called; VoidPreAuthTransactions
// releases all open pre-auths of the order. Breaking one of these rules
// gives 409 with a simulator code (table below). Tokens come from
// createToken in an approved card transaction or from POST
// /payment-tokens; declineDuplicates refuses a card already stored under
// another token (409). Token transactions need a known token; a
// referencedSchemeTransactionId, when sent, must be one the simulator
// issued for the same card; a card transaction may not claim SUBSEQUENT
// stored-credential use. Schema errors give 400 with error.details naming
// the fields (error.code "2303" for an invalid card number). Inquiries
// omit transactionStatus and transactionResult and report transactionState.
//
// # Magic values
//
// Cards (any future expiry, any CVV):
//
//	4111111111111111, 5424180279791732,   approved (as is every other
//	5204740000001002, 4035874000424977,   Luhn-valid card not listed here)
//	4012000033330026, 5426064000424979
//	4000000000000002   declined 422, approvalCode N:05:Do Not Honour
//	4000000000000069   declined 422 as expired, N:54:Expired Card
//	4000000000009995   declined 422, N:51:Insufficient Funds
//	4147463011110109   3-D Secure challenge: 200, transactionResult WAITING,
//	                   approvalCode "?:waiting 3dsecure" (token charges of
//	                   this card are merchant-initiated and approved)
//	any card whose expiry lies before the simulator's current month:
//	                   declined 422, N:54:Expired Card
//
// A token behaves like the card stored under it.
//
// Amounts in minor units (cents), for any card, on primary transactions
// and on PostAuth/Return:
//
//	66600  commit the transaction, then answer 500 ServerError
//	66602  answer 502 EndpointCommunicationError, commit nothing
//	66604  commit the transaction, then wait Options.FaultDelay (default
//	       40s, longer than the adapter's default timeout) before
//	       answering normally; the client times out first
//	66610  wait Options.SlowDelay (default 2s), then process and answer
//	       normally
//
// Simulator gateway codes in 409 answers (approvalCode "N:<code>:<text>",
// error.code "<code>"):
//
//	-5003  order already exists (a real IPG code)
//	-5901  merchantTransactionId already used
//	-5902  amount exceeds what is authorised (PostAuth) or captured (Return)
//	-5903  transaction state does not allow this (already voided,
//	       settled, declined, nothing open to void, wrong type)
//	-5904  card already stored under another token (declineDuplicates),
//	       or token value taken by another card
//
// # Fault plan
//
// For fault-injection tests the simulator also fails requests on purpose
// when a fault plan is set (SetFaults, or PUT /sim/faults with the
// simulator's key in the Api-Key header; GET /sim/faults shows the plan
// and how many faults it injected). A plan names faults for the next
// money-moving requests (POST /payments, /payments/{id}, /orders/{id}) in
// order and/or gives each kind a probability per request, drawn from a
// seeded random source (the same seed replays the same faults):
//
//	decline       the issuer declines (422 N:05), nothing is committed (primary transactions only)
//	server_error  commit, then answer 500
//	bad_gateway   answer 502, commit nothing
//	timeout       commit, then wait FaultDelay before answering
//	lost_answer   commit, then cut the connection without an answer
//	late          the request arrives only after the plan's LateDelay
//	              (default 1 s): authenticated (Timestamp window) and
//	              processed then, whether the client still waits or not
//
// Example: {"rates":{"timeout":0.05,"late":0.05},"seed":7,"late_delay":"3s"}
// or {"next":["none","lost_answer"]} ("none" lets one request through).
//
// # State across restarts
//
// With Options.StateFile (telecash-sim --state-file) the state —
// transactions, orders, tokens, recent Client-Request-Ids, never card
// numbers — is read at start and written a second after each change and at
// shutdown. Server.Restart simulates a gateway restart for tests: open
// connections are cut, the state is written and read back, and the server
// listens again on the same address.
//
// For tests, Ledger reports per order what was authorised, captured and
// refunded, Transaction shows what the simulator received (stored
// credentials, car-rental data) for one transaction, and Transactions (GET
// /sim/transactions) lists them all.
package telecashsim
