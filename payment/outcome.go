package payment

import (
	"time"

	"mietwerk.dev/mietwerk/errs"
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
)

// Reason codes of Unknown results.
const (
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

// CustomerMessage returns a short explanation fit to show the customer,
// in German for lang "de" (and by default) or English for "en".
func (r Reason) CustomerMessage(lang string) string {
	m, ok := customerMessages[r.Code]
	if !ok {
		switch {
		case r.Code == ReasonTimeout || r.Code == ReasonConnection || r.Code == ReasonServerError || r.Code == ReasonBadResponse:
			m = customerMessages[ReasonTimeout]
		default:
			m = customerMessages[ReasonRejected]
		}
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// customerMessages maps a reason to its German and English customer text.
// Lost/stolen and similar issuer answers deliberately map to ReasonDeclined.
var customerMessages = map[ReasonCode][2]string{
	ReasonDeclined:          {"Die Karte wurde von der Bank abgelehnt.", "Your bank declined the card."},
	ReasonExpiredCard:       {"Die Karte ist abgelaufen.", "The card has expired."},
	ReasonInsufficientFunds: {"Die Bank hat die Zahlung abgelehnt: Der Verfügungsrahmen reicht nicht aus.", "Your bank declined the payment: insufficient funds or credit limit."},
	ReasonInvalidCard:       {"Die Kartendaten sind ungültig. Bitte prüfen Sie Kartennummer, Ablaufdatum und Prüfnummer.", "The card details are invalid. Please check the card number, expiry date and security code."},
	ReasonAuthenticationRequired: {"Die Bank verlangt für diese Karte eine 3-D-Secure-Bestätigung, die hier nicht möglich ist. Bitte verwenden Sie eine andere Karte.",
		"Your bank requires 3-D Secure authentication for this card, which is not available here. Please use another card."},
	ReasonFraud:    {"Die Zahlung wurde aus Sicherheitsgründen abgelehnt.", "The payment was refused for security reasons."},
	ReasonRejected: {"Die Zahlung konnte nicht verarbeitet werden. Bitte versuchen Sie es später erneut.", "The payment could not be processed. Please try again later."},
	ReasonTimeout:  {"Der Zahlungsstatus wird noch geprüft. Sie werden nicht doppelt belastet.", "We are still checking the payment status. You will not be charged twice."},
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
// service layer: Declined → KindPaymentDecline (with the English customer
// text and the reason code), Failed → KindInvalid, KindConflict,
// KindNotFound or KindUnavailable by reason, Unknown → KindUnavailable
// with code "payment_outcome_unknown".
func (r Result) Err() error {
	switch r.Outcome {
	case Approved:
		return nil
	case Declined:
		return errs.E(errs.KindPaymentDecline, r.Reason.CustomerMessage("en")).WithCode(string(r.Reason.Code))
	case Unknown:
		return &errs.Error{Kind: errs.KindUnavailable, Code: "payment_outcome_unknown",
			Message: "the payment outcome is not known yet", Err: reasonError{r.Reason}}
	}
	e := &errs.Error{Code: string(r.Reason.Code), Err: reasonError{r.Reason}}
	switch r.Reason.Code {
	case ReasonInvalidRequest:
		e.Kind, e.Message, e.Fields = errs.KindInvalid, "the payment gateway refused the request data", r.Reason.Fields
	case ReasonDuplicate, ReasonOrderExists, ReasonNotAllowed:
		e.Kind, e.Message = errs.KindConflict, "the payment gateway does not allow this operation now"
	case ReasonNotFound:
		e.Kind, e.Message = errs.KindNotFound, "payment transaction not found"
	case ReasonFraud:
		e.Kind, e.Message = errs.KindPaymentDecline, r.Reason.CustomerMessage("en")
	default:
		e.Kind, e.Message = errs.KindUnavailable, "the payment gateway is not available"
	}
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
