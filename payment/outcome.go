package payment

import (
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Outcome is what a gateway request came to.
type Outcome string

// The four outcomes of a gateway request.
const (
	// Approved: the gateway did what was asked.
	Approved Outcome = "approved"
	// Declined: the card issuer (or the card's scheme) said no; nothing
	// was charged. Reason says why, in words fit for the customer.
	Declined Outcome = "declined"
	// Failed: the gateway refused the request itself (bad data, duplicate,
	// order exists, not allowed in the transaction's state, our
	// credentials); nothing was charged.
	Failed Outcome = "failed"
	// Unknown: no usable answer (timeout, connection error, 5xx). The
	// request may have taken effect; resolve it by inquiry, never by
	// blindly sending it again.
	Unknown Outcome = "unknown"
)

// ReasonCode is a stable machine code for why a request was not approved.
type ReasonCode string

// Reason codes of Declined results.
const (
	ReasonDeclined               ReasonCode = "declined"
	ReasonExpiredCard            ReasonCode = "expired_card"
	ReasonInsufficientFunds      ReasonCode = "insufficient_funds"
	ReasonInvalidCard            ReasonCode = "invalid_card"
	ReasonAuthenticationRequired ReasonCode = "authentication_required" // 3-D Secure asked for; we cannot do it here
)

// Reason codes of Failed results.
const (
	ReasonInvalidRequest ReasonCode = "invalid_request"
	ReasonDuplicate      ReasonCode = "duplicate"
	ReasonOrderExists    ReasonCode = "order_exists"
	ReasonNotAllowed     ReasonCode = "not_allowed" // e.g. capture beyond the authorisation, double void
	ReasonNotFound       ReasonCode = "not_found"
	ReasonGatewayAuth    ReasonCode = "gateway_auth" // our credentials or signature were refused
	ReasonFraud          ReasonCode = "fraud"
	ReasonRejected       ReasonCode = "rejected" // any other refusal by the gateway
	// ReasonNotSent: the request never left this machine (no connection
	// to the gateway could be made); nothing was charged.
	ReasonNotSent ReasonCode = "not_sent"
)

// Reason codes of Unknown results.
const (
	// ReasonNotFoundYet: an inquiry did not find the request, which may
	// still reach the gateway late (see Config.LateWindow).
	ReasonNotFoundYet ReasonCode = "not_found_yet"
	ReasonTimeout     ReasonCode = "timeout"
	ReasonConnection  ReasonCode = "connection"
	ReasonServerError ReasonCode = "server_error"
	ReasonBadResponse ReasonCode = "bad_response"
)

// Reason explains a result that is not Approved.
type Reason struct {
	Code ReasonCode
	// GatewayCode is the processor response code ("05", "54") for
	// declines, the gateway's error code ("-5003", "2303") for failures,
	// or the HTTP status for transport-level answers ("502").
	GatewayCode string
	// Message is the gateway's own text or the transport error, for staff
	// and logs. It never contains card numbers or security codes.
	Message string
	// Fields lists the request fields the gateway named as invalid.
	Fields []errs.FieldError
}

// CustomerKey returns the catalog key (and API code) of the explanation fit
// to show the customer: the reason itself for the answers a customer can act
// on (declined, expired_card, insufficient_funds, invalid_card,
// authentication_required, fraud), "timeout" while the outcome is being
// checked, else "rejected". Lost/stolen and similar issuer answers arrive as
// ReasonDeclined.
func (r Reason) CustomerKey() locale.Key {
	switch r.Code {
	case ReasonDeclined, ReasonExpiredCard, ReasonInsufficientFunds, ReasonInvalidCard,
		ReasonAuthenticationRequired, ReasonFraud, ReasonRejected, ReasonTimeout:
		return locale.Key(r.Code)
	case ReasonConnection, ReasonServerError, ReasonBadResponse, ReasonNotFoundYet:
		return locale.Key(ReasonTimeout)
	}
	return locale.Key(ReasonRejected)
}

// CustomerMessage returns the explanation of CustomerKey in lang ("de" by
// default, or "en").
func (r Reason) CustomerMessage(lang string) string { return locale.Lang(lang).T(r.CustomerKey()) }

// DeclineError returns the customer's error for a record that was not
// approved (see Reason.DeclineError; a record without a reason counts as
// declined). A payment that failed because the gateway could not take it —
// unreachable, a server error after which it holds nothing, our
// credentials refused — is KindUnavailable with code "gateway_unavailable"
// instead (503): nothing was charged, the same request may be sent again
// in a while.
func (r Record) DeclineError() error {
	if r.Status == StatusFailed && gatewayFault(r.ReasonCode) {
		e := errs.New(errs.KindUnavailable, "gateway_unavailable")
		e.Err = reasonError{Reason{Code: r.ReasonCode, Message: r.Message}}
		return e
	}
	code := r.ReasonCode
	if code == "" {
		code = ReasonDeclined
	}
	return Reason{Code: code, Message: r.Message}.DeclineError()
}

// gatewayFault reports whether a failed payment's reason lies with the
// gateway (or the way to it), not with the card or the request.
func gatewayFault(c ReasonCode) bool {
	switch c {
	case ReasonConnection, ReasonTimeout, ReasonServerError, ReasonBadResponse, ReasonNotFound, ReasonGatewayAuth, ReasonNotSent:
		return true
	}
	return false
}

// DeclineError is the error a customer reads for a declined payment: kind
// KindPaymentDecline, code CustomerKey.
func (r Reason) DeclineError() *errs.Error {
	e := errs.New(errs.KindPaymentDecline, r.CustomerKey())
	e.Err = reasonError{r}
	return e
}

// TxType is the kind of a gateway transaction as the gateway reports it.
type TxType string

// Gateway transaction types.
const (
	TxSale     TxType = "SALE"
	TxPreAuth  TxType = "PREAUTH"
	TxPostAuth TxType = "POSTAUTH"
	TxVoid     TxType = "VOID"
	TxReturn   TxType = "RETURN"
)

// State is the current state of a gateway transaction, as inquiries show it.
type State string

// Gateway transaction states.
const (
	StateAuthorized State = "AUTHORIZED"
	StateCaptured   State = "CAPTURED"
	StateDeclined   State = "DECLINED"
	StateVoided     State = "VOIDED"
	StateSettled    State = "SETTLED"
	StateWaiting    State = "WAITING"
	StateCompleted  State = "COMPLETED_GET"
)

// Result is the gateway's answer to one request, in Mietwerk's words. It
// never holds a card number or security code.
type Result struct {
	Operation Operation
	Outcome   Outcome
	Reason    Reason // zero when Approved

	MerchantTransactionID string
	OrderID               string
	TransactionID         string // the gateway's id (ipgTransactionId)
	Type                  TxType
	State                 State // when the gateway reported one
	ApprovalCode          string
	SchemeTransactionID   string // keep it from the FIRST use for later merchant-initiated charges
	Token                 string // the stored card's token, when one was created or used
	Card                  CardInfo
	ProcessorResponseCode string
	// Amount is the approved amount when the gateway reported one, else
	// the requested amount (zero for voids and token operations).
	Amount Amount
	Time   time.Time // when the gateway made the transaction (zero if not reported)
}

// Err returns nil for an Approved result, else an *errs.Error for the
// service layer (the Reason as its cause): Declined → KindPaymentDecline
// with the customer's reason code (see Reason.CustomerKey), Failed →
// KindInvalid "gateway_refused_data" (with the gateway's field errors),
// KindConflict "gateway_not_allowed", KindNotFound
// "payment_transaction_not_found" or KindUnavailable "gateway_unavailable"
// by reason, Unknown → KindUnavailable "payment_outcome_unknown".
func (r Result) Err() error {
	switch r.Outcome {
	case Approved:
		return nil
	case Declined:
		return r.Reason.DeclineError()
	case Unknown:
		e := errs.New(errs.KindUnavailable, "payment_outcome_unknown")
		e.Err = reasonError{r.Reason}
		return e
	}
	var e *errs.Error
	switch r.Reason.Code {
	case ReasonInvalidRequest:
		e = errs.Invalid("gateway_refused_data", r.Reason.Fields...)
	case ReasonDuplicate, ReasonOrderExists, ReasonNotAllowed:
		e = errs.Conflict("gateway_not_allowed")
	case ReasonNotFound:
		e = errs.NotFound("payment_transaction_not_found")
	case ReasonFraud:
		return r.Reason.DeclineError()
	default:
		e = errs.New(errs.KindUnavailable, "gateway_unavailable")
	}
	e.Err = reasonError{r.Reason}
	return e
}

// reasonError carries a Reason as an internal error cause.
type reasonError struct{ r Reason }

func (e reasonError) Error() string {
	s := "gateway: " + string(e.r.Code)
	if e.r.GatewayCode != "" {
		s += " (" + e.r.GatewayCode + ")"
	}
	if e.r.Message != "" {
		s += ": " + e.r.Message
	}
	return s
}
