package payment

import (
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Limits of the identifiers we send to a gateway.
const (
	MaxMerchantTransactionIDLen = 40
	MaxOrderIDLen               = 100
	MaxTokenLen                 = 64
	MaxAgreementNumberLen       = 20
)

// Ref carries our own identifiers of one gateway attempt.
type Ref struct {
	// MerchantTransactionID is our id of this attempt: unique per attempt
	// (a retry after an Unknown outcome that found nothing gets a new one),
	// at most 40 characters of [A-Za-z0-9._:-].
	MerchantTransactionID string
	// OrderID groups the transactions of one business order at the gateway
	// (at most 100 characters of [A-Za-z0-9._:-]). A gateway refuses a
	// second sale or first pre-authorisation under an existing order id.
	OrderID string
}

func (r Ref) validateInto(f *errs.Fields, orderRequired bool) {
	checkID(f, "merchantTransactionId", r.MerchantTransactionID, MaxMerchantTransactionIDLen, true)
	checkID(f, "orderId", r.OrderID, MaxOrderIDLen, orderRequired)
}

// Rental is car-rental data passed to the card schemes with a transaction.
type Rental struct {
	AgreementNumber string    // rental agreement number, at most 20 characters
	RenterName      string    // adapters shorten it to what the gateway takes
	PickupDate      time.Time // only the calendar date is used
	ReturnDate      time.Time // only the calendar date is used
	PickupLocation  string    // city or station name
	ReturnLocation  string    // city or station name
}

func (r *Rental) validateInto(f *errs.Fields) {
	if r == nil {
		return
	}
	if r.AgreementNumber == "" {
		f.Add("rental.agreementNumber", "field.required")
	} else if utf8.RuneCountInString(r.AgreementNumber) > MaxAgreementNumberLen {
		f.Add("rental.agreementNumber", "field.too_long", locale.Params{"n": MaxAgreementNumberLen})
	}
	if !r.PickupDate.IsZero() && !r.ReturnDate.IsZero() && r.ReturnDate.Before(r.PickupDate) {
		f.Add("rental.returnDate", "payment.return_before_pickup")
	}
}

// CardPayment asks to charge (Sale) or reserve (PreAuth) an amount on a
// card the customer entered.
type CardPayment struct {
	Ref
	Amount Amount
	Card   Card
	// StoreCard asks the gateway to store the card as a reusable token
	// with this payment; the payment is then the FIRST, cardholder-
	// initiated use of the stored credential. The token comes back in
	// Result.Token, the scheme transaction id in Result.SchemeTransactionID.
	StoreCard bool
	// TokenID optionally chooses the token value (else the gateway does).
	TokenID string
	Rental  *Rental
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (p CardPayment) Validate() error { return p.validate(true) }

// validate is Validate, with the order id optional unless orderRequired
// (a payment prepared before its order id is known: see Prepared).
func (p CardPayment) validate(orderRequired bool) error {
	var f errs.Fields
	p.Ref.validateInto(&f, orderRequired)
	p.Amount.validateInto(&f, "amount.")
	p.Card.validateInto(&f, "card.")
	if p.TokenID != "" {
		if !p.StoreCard {
			f.Add("tokenId", "payment.token_only_stored")
		}
		checkID(&f, "tokenId", p.TokenID, MaxTokenLen, false)
	}
	p.Rental.validateInto(&f)
	return f.Err()
}

// TokenPayment asks to charge or reserve an amount on a stored card,
// initiated by the merchant (SUBSEQUENT stored-credential use), e.g. extra
// kilometres after the return of a car.
type TokenPayment struct {
	Ref
	Amount Amount
	Token  string
	// SchemeTransactionID is the scheme transaction id of the FIRST use of
	// the stored card (Result.SchemeTransactionID of that payment). Card
	// schemes expect it on merchant-initiated charges; leave it empty only
	// for a token created without a payment.
	SchemeTransactionID string
	Rental              *Rental
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (p TokenPayment) Validate() error { return p.validate(true) }

// validate is Validate, with the order id optional unless orderRequired
// (see CardPayment.validate).
func (p TokenPayment) validate(orderRequired bool) error {
	var f errs.Fields
	p.Ref.validateInto(&f, orderRequired)
	p.Amount.validateInto(&f, "amount.")
	checkID(&f, "token", p.Token, MaxTokenLen, true)
	if len(p.SchemeTransactionID) > 50 {
		f.Add("schemeTransactionId", "field.too_long", locale.Params{"n": 50})
	}
	p.Rental.validateInto(&f)
	return f.Err()
}

// Capture asks to take (part of) a pre-authorised amount.
type Capture struct {
	Ref
	// TransactionID is the gateway transaction id of the pre-authorisation
	// (Result.TransactionID) or the MerchantTransactionID we sent it with.
	// When empty, the capture is made against Ref.OrderID.
	TransactionID string
	Amount        Amount
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (c Capture) Validate() error { return validateSecondary(c.Ref, c.TransactionID, &c.Amount) }

// Refund asks to return (part of) a captured amount.
type Refund struct {
	Ref
	// TransactionID is the gateway transaction id (or our merchant
	// transaction id) of the sale or capture to refund. When empty, the
	// refund is made against Ref.OrderID.
	TransactionID string
	Amount        Amount
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (r Refund) Validate() error { return validateSecondary(r.Ref, r.TransactionID, &r.Amount) }

// Void asks to cancel a transaction (Void) or release a pre-authorisation
// (VoidPreAuth).
type Void struct {
	Ref
	// TransactionID is the gateway transaction id (or our merchant
	// transaction id) of the transaction to cancel. Required.
	TransactionID string
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (v Void) Validate() error {
	var f errs.Fields
	v.Ref.validateInto(&f, false)
	checkID(&f, "transactionId", v.TransactionID, MaxOrderIDLen, true)
	return f.Err()
}

func validateSecondary(r Ref, txID string, a *Amount) error {
	var f errs.Fields
	r.validateInto(&f, false)
	if txID == "" && r.OrderID == "" {
		f.Add("transactionId", "payment.transaction_id_required")
	}
	checkID(&f, "transactionId", txID, MaxOrderIDLen, false)
	a.validateInto(&f, "amount.")
	return f.Err()
}

// TokenCreate asks to store a card at the gateway without charging it.
type TokenCreate struct {
	// MerchantTransactionID is our id of this request (optional for
	// token requests, at most 40 characters).
	MerchantTransactionID string
	Card                  Card
	// TokenID optionally chooses the token value (else the gateway does).
	TokenID string
	// DeclineDuplicates makes the gateway refuse the card when it is
	// already stored under another token.
	DeclineDuplicates bool
}

// Validate checks every field and returns one errs.KindInvalid error
// listing all invalid fields, or nil.
func (t TokenCreate) Validate() error {
	var f errs.Fields
	checkID(&f, "merchantTransactionId", t.MerchantTransactionID, MaxMerchantTransactionIDLen, false)
	t.Card.validateInto(&f, "card.")
	checkID(&f, "tokenId", t.TokenID, MaxTokenLen, false)
	return f.Err()
}

// ValidateID checks an identifier given on its own (a token to delete, an
// id to inquire about): non-empty, at most max characters of
// [A-Za-z0-9._:-].
func ValidateID(field, id string, max int) error {
	var f errs.Fields
	checkID(&f, field, id, max, true)
	return f.Err()
}

func checkID(f *errs.Fields, field, id string, max int, required bool) {
	if id == "" {
		if required {
			f.Add(field, "field.required")
		}
		return
	}
	if len(id) > max {
		f.Add(field, "field.too_long", locale.Params{"n": max})
		return
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			f.Add(field, "payment.id_chars")
			return
		}
	}
}
