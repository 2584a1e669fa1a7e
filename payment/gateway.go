// Package payment is the payment capability of Mietwerk. This part holds
// the domain's own words for what Mietwerk asks a card gateway to do
// (requests), what came back (Result with one of four Outcomes), and the
// Gateway interface a gateway adapter (package telecash) implements.
//
// The package never imports HTTP, SQL or template packages. Card numbers
// and security codes exist only inside Card, whose every printed, logged
// or JSON form is redacted to brand and last four digits.
package payment

import "context"

// Gateway is a card payment gateway. Every method that moves money or
// changes gateway state follows one contract:
//
//   - a non-nil error means nothing was sent: the request was invalid
//     (kind errs.KindInvalid, with field errors), the gateway is not
//     configured, or the request provably never left this machine (kind
//     errs.KindUnavailable: no connection could be made — refused, DNS,
//     TLS handshake); the Result then says Failed with ReasonNotSent;
//   - otherwise the Result says what the gateway did, as one of the four
//     Outcomes. Unknown means the request may or may not have taken effect
//     and must be resolved with InquireTransaction (by our
//     MerchantTransactionID) or InquireOrder before anything is re-sent.
//     An implementation never retries a money-moving request by itself.
//
// The inquiry methods instead return an error when they could not find
// out: kind errs.KindNotFound when the gateway does not know the id (so a
// request that ended Unknown never took effect), kind errs.KindUnavailable
// when the gateway could not be asked (timeout, connection error, 5xx).
type Gateway interface {
	// Sale charges a card at once. With StoreCard it also stores the card
	// as a reusable token (first, cardholder-initiated stored-credential use).
	Sale(ctx context.Context, p CardPayment) (Result, error)
	// PreAuth reserves an amount on a card, to be captured later. With
	// StoreCard it also stores the card as a token. A further PreAuth with
	// the same OrderID raises the reservation (incremental authorisation).
	PreAuth(ctx context.Context, p CardPayment) (Result, error)
	// TokenSale charges a stored card, merchant-initiated (SUBSEQUENT use).
	TokenSale(ctx context.Context, p TokenPayment) (Result, error)
	// TokenPreAuth reserves an amount on a stored card, merchant-initiated.
	TokenPreAuth(ctx context.Context, p TokenPayment) (Result, error)
	// Capture takes (part of) an authorised amount. Several partial
	// captures may follow one authorisation as long as their sum stays
	// within it.
	Capture(ctx context.Context, c Capture) (Result, error)
	// Void cancels a sale, capture or refund before the gateway settles it.
	Void(ctx context.Context, v Void) (Result, error)
	// VoidPreAuth releases every still-open authorisation of the order the
	// referenced pre-authorisation belongs to.
	VoidPreAuth(ctx context.Context, v Void) (Result, error)
	// Refund returns (part of) a captured amount. Several partial refunds
	// are allowed as long as their sum stays within what was captured.
	Refund(ctx context.Context, r Refund) (Result, error)
	// CreateToken stores a card at the gateway without charging it.
	CreateToken(ctx context.Context, t TokenCreate) (Result, error)
	// DeleteToken removes a stored card. Approved means it is gone.
	DeleteToken(ctx context.Context, token string) (Result, error)
	// InquireTransaction reports the current state of the transaction we
	// sent with merchantTransactionID (or of a gateway transaction id).
	InquireTransaction(ctx context.Context, merchantTransactionID string) (Result, error)
	// InquireOrder lists every transaction the gateway holds for orderID,
	// in the order the gateway made them.
	InquireOrder(ctx context.Context, orderID string) ([]Result, error)
}

// Operation names a gateway operation; it is recorded with each attempt.
type Operation string

// The operations of Gateway.
const (
	OpSale               Operation = "sale"
	OpPreAuth            Operation = "preauth"
	OpTokenSale          Operation = "token_sale"
	OpTokenPreAuth       Operation = "token_preauth"
	OpCapture            Operation = "capture"
	OpVoid               Operation = "void"
	OpVoidPreAuth        Operation = "void_preauth"
	OpRefund             Operation = "refund"
	OpCreateToken        Operation = "create_token"
	OpDeleteToken        Operation = "delete_token"
	OpInquireTransaction Operation = "inquire_transaction"
	OpInquireOrder       Operation = "inquire_order"
)
