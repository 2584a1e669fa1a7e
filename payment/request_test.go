package payment

import (
	"strings"
	"testing"
	"time"
)

func validCardPayment() CardPayment {
	return CardPayment{
		Ref:    Ref{MerchantTransactionID: "mt-1", OrderID: "order-1"},
		Amount: EUR(1300),
		Card:   Card{Number: testPAN, ExpMonth: 3, ExpYear: 2030, CVV: "737"},
	}
}

func TestCardPaymentValidate(t *testing.T) {
	day := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mutate func(*CardPayment)
		fields []string
	}{
		{"valid", func(*CardPayment) {}, nil},
		{"valid with rental and token", func(p *CardPayment) {
			p.StoreCard, p.TokenID = true, "tok-1"
			p.Rental = &Rental{AgreementNumber: "RA-4711", RenterName: "Maximilian Mustermann-Lüdenscheid", PickupDate: day, ReturnDate: day.AddDate(0, 0, 3)}
		}, nil},
		{"missing ids", func(p *CardPayment) { p.Ref = Ref{} }, []string{"merchantTransactionId", "orderId"}},
		{"long merchant id", func(p *CardPayment) { p.MerchantTransactionID = strings.Repeat("a", 41) }, []string{"merchantTransactionId"}},
		{"40 chars ok", func(p *CardPayment) { p.MerchantTransactionID = strings.Repeat("a", 40) }, nil},
		{"bad chars", func(p *CardPayment) { p.OrderID = "order/1" }, []string{"orderId"}},
		{"all wrong", func(p *CardPayment) { p.Amount = Amount{}; p.Card = Card{} },
			[]string{"amount.cents", "amount.currency", "card.number", "card.expMonth", "card.expYear"}},
		{"token id without storing", func(p *CardPayment) { p.TokenID = "tok" }, []string{"tokenId"}},
		{"rental without agreement", func(p *CardPayment) { p.Rental = &Rental{} }, []string{"rental.agreementNumber"}},
		{"rental long agreement", func(p *CardPayment) { p.Rental = &Rental{AgreementNumber: strings.Repeat("9", 21)} }, []string{"rental.agreementNumber"}},
		{"rental backwards", func(p *CardPayment) {
			p.Rental = &Rental{AgreementNumber: "A", PickupDate: day, ReturnDate: day.AddDate(0, 0, -1)}
		}, []string{"rental.returnDate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validCardPayment()
			tt.mutate(&p)
			assertFields(t, p.Validate(), tt.fields)
		})
	}
}

func TestOtherRequestsValidate(t *testing.T) {
	ref := Ref{MerchantTransactionID: "mt-2", OrderID: "order-1"}
	tests := []struct {
		name   string
		err    error
		fields []string
	}{
		{"token payment", TokenPayment{Ref: ref, Amount: EUR(100), Token: "tok", SchemeTransactionID: "123"}.Validate(), nil},
		{"token payment without token", TokenPayment{Ref: ref, Amount: EUR(100)}.Validate(), []string{"token"}},
		{"token payment long scheme id", TokenPayment{Ref: ref, Amount: EUR(100), Token: "t", SchemeTransactionID: strings.Repeat("1", 51)}.Validate(), []string{"schemeTransactionId"}},
		{"capture by id", Capture{Ref: Ref{MerchantTransactionID: "m"}, TransactionID: "84000001", Amount: EUR(5)}.Validate(), nil},
		{"capture by order", Capture{Ref: ref, Amount: EUR(5)}.Validate(), nil},
		{"capture without target", Capture{Ref: Ref{MerchantTransactionID: "m"}, Amount: EUR(5)}.Validate(), []string{"transactionId"}},
		{"refund zero", Refund{Ref: ref, TransactionID: "1", Amount: EUR(0)}.Validate(), []string{"amount.cents"}},
		{"void", Void{Ref: Ref{MerchantTransactionID: "m"}, TransactionID: "1"}.Validate(), nil},
		{"void without id", Void{Ref: Ref{MerchantTransactionID: "m"}}.Validate(), []string{"transactionId"}},
		{"void without merchant id", Void{TransactionID: "1"}.Validate(), []string{"merchantTransactionId"}},
		{"token create", TokenCreate{Card: Card{Number: testPAN, ExpMonth: 1, ExpYear: 2030}}.Validate(), nil},
		{"token create bad card", TokenCreate{Card: Card{Number: "1", ExpMonth: 1, ExpYear: 2030}}.Validate(), []string{"card.number"}},
		{"id", ValidateID("token", "", 10), []string{"token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assertFields(t, tt.err, tt.fields) })
	}
}
