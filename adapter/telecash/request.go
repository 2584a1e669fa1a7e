package telecash

import (
	"encoding/json"
	"errors"
	"fmt"

	"mietwerk.dev/mietwerk/payment"
)

// Request types of the IPG REST API v2 used by the adapter.
const (
	typeCardSale     = "PaymentCardSaleTransaction"
	typeCardPreAuth  = "PaymentCardPreAuthTransaction"
	typeTokenSale    = "PaymentTokenSaleTransaction"
	typeTokenPreAuth = "PaymentTokenPreAuthTransaction"
	typePostAuth     = "PostAuthTransaction"
	typeVoid         = "VoidTransaction"
	typeVoidPreAuth  = "VoidPreAuthTransactions"
	typeReturn       = "ReturnTransaction"
	typeTokenize     = "PaymentCardPaymentTokenizationRequest"
)

// Limits of the carRental extension's text fields.
const maxRentalText = 20

// errEncode is returned when a body cannot be encoded. It deliberately
// carries no detail: the body may hold a card number.
var errEncode = errors.New("telecash: cannot encode request body")

func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errEncode
	}
	return b, nil
}

func amountOf(a payment.Amount) *amountOut {
	return &amountOut{Total: a.Decimal(), Currency: a.Currency}
}

func cardOut(c payment.Card) paymentCardOut {
	return paymentCardOut{
		Number:         c.Number,
		SecurityCode:   c.CVV,
		ExpiryDate:     expiryOut{Month: fmt.Sprintf("%02d", c.ExpMonth), Year: fmt.Sprintf("%02d", c.ExpYear%100)},
		CardholderName: truncate(c.Holder, 96),
	}
}

func orderOf(orderID string, r *payment.Rental) *orderOut {
	if orderID == "" && r == nil {
		return nil
	}
	o := &orderOut{OrderID: orderID}
	if r != nil {
		cr := &carRentalOut{
			AgreementNumber: truncate(r.AgreementNumber, maxRentalText),
			RenterName:      truncate(r.RenterName, maxRentalText),
			ReturnCity:      truncate(r.ReturnLocation, maxRentalText),
		}
		if !r.PickupDate.IsZero() {
			cr.PickupDate = r.PickupDate.Format("2006-01-02")
		}
		if !r.ReturnDate.IsZero() {
			cr.ReturnDate = r.ReturnDate.Format("2006-01-02")
		}
		o.IndustrySpecificExtensions = &industryOut{CarRental: cr}
	}
	return o
}

// cardPaymentBody builds a PaymentCardSale/PreAuthTransaction. A payment
// that stores the card is the FIRST, cardholder-initiated stored-credential use.
func (c *Client) cardPaymentBody(requestType string, p payment.CardPayment) txRequest {
	card := cardOut(p.Card)
	b := txRequest{
		RequestType:           requestType,
		StoreID:               c.storeID,
		MerchantTransactionID: p.MerchantTransactionID,
		TransactionOrigin:     "ECOM",
		TransactionAmount:     amountOf(p.Amount),
		Order:                 orderOf(p.OrderID, p.Rental),
		PaymentMethod:         &paymentMethodOut{PaymentCard: &card},
	}
	if p.StoreCard {
		b.CreateToken = &createTokenOut{Value: p.TokenID, Reusable: true}
		b.StoredCredentials = &storedCredentialsOut{Sequence: "FIRST", Scheduled: false, Initiator: "CARDHOLDER"}
	}
	return b
}

// tokenPaymentBody builds a PaymentTokenSale/PreAuthTransaction as a
// merchant-initiated SUBSEQUENT use of the stored card.
func (c *Client) tokenPaymentBody(requestType string, p payment.TokenPayment) txRequest {
	return txRequest{
		RequestType:           requestType,
		StoreID:               c.storeID,
		MerchantTransactionID: p.MerchantTransactionID,
		TransactionAmount:     amountOf(p.Amount),
		Order:                 orderOf(p.OrderID, p.Rental),
		PaymentMethod:         &paymentMethodOut{PaymentToken: &tokenUseOut{Value: p.Token}},
		StoredCredentials: &storedCredentialsOut{
			Sequence: "SUBSEQUENT", Scheduled: false, Initiator: "MERCHANT",
			ReferencedSchemeTransactionID: p.SchemeTransactionID,
		},
	}
}

// secondaryBody builds PostAuth, Return and Void bodies; a is nil for voids.
func (c *Client) secondaryBody(requestType, merchantTxID string, a *payment.Amount) txRequest {
	b := txRequest{RequestType: requestType, StoreID: c.storeID, MerchantTransactionID: merchantTxID}
	if a != nil {
		b.TransactionAmount = amountOf(*a)
	}
	return b
}

func (c *Client) tokenizationBody(t payment.TokenCreate) tokenizationRequest {
	return tokenizationRequest{
		RequestType:           typeTokenize,
		StoreID:               c.storeID,
		MerchantTransactionID: t.MerchantTransactionID,
		PaymentCard:           cardOut(t.Card),
		CreateToken:           createTokenOut{Value: t.TokenID, Reusable: true, DeclineDuplicates: t.DeclineDuplicates},
	}
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
