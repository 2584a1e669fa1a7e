package payment

import (
	"errors"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

func TestCustomerMessage(t *testing.T) {
	tests := []struct {
		code   ReasonCode
		de, en string
	}{
		{ReasonDeclined, "Die Karte wurde von der Bank abgelehnt.", "Your bank declined the card."},
		{ReasonExpiredCard, "Die Karte ist abgelaufen.", "The card has expired."},
		{ReasonServerError, "Der Zahlungsstatus wird noch geprüft. Sie werden nicht doppelt belastet.", "We are still checking the payment status. You will not be charged twice."},
		{ReasonOrderExists, "Die Zahlung konnte nicht verarbeitet werden. Bitte versuchen Sie es später erneut.", "The payment could not be processed. Please try again later."},
	}
	for _, tt := range tests {
		r := Reason{Code: tt.code}
		if got := r.CustomerMessage("de"); got != tt.de {
			t.Errorf("%s de = %q", tt.code, got)
		}
		if got := r.CustomerMessage(""); got != tt.de {
			t.Errorf("%s default = %q, want German", tt.code, got)
		}
		if got := r.CustomerMessage("en"); got != tt.en {
			t.Errorf("%s en = %q", tt.code, got)
		}
	}
	for _, code := range []ReasonCode{ReasonDeclined, ReasonExpiredCard, ReasonInsufficientFunds, ReasonInvalidCard,
		ReasonAuthenticationRequired, ReasonFraud, ReasonRejected, ReasonTimeout} {
		m := Reason{Code: code}
		if m.CustomerMessage("de") == m.CustomerMessage("en") {
			t.Errorf("%s: German and English text are the same", code)
		}
	}
}

func TestResultErr(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		kind errs.Kind
		code string
	}{
		{"approved", Result{Outcome: Approved}, "", ""},
		{"declined", Result{Outcome: Declined, Reason: Reason{Code: ReasonExpiredCard, GatewayCode: "54"}}, errs.KindPaymentDecline, "expired_card"},
		{"unknown", Result{Outcome: Unknown, Reason: Reason{Code: ReasonTimeout}}, errs.KindUnavailable, "payment_outcome_unknown"},
		{"invalid", Result{Outcome: Failed, Reason: Reason{Code: ReasonInvalidRequest, Fields: []errs.FieldError{{Field: "x", Message: "y"}}}}, errs.KindInvalid, "gateway_refused_data"},
		{"order exists", Result{Outcome: Failed, Reason: Reason{Code: ReasonOrderExists, GatewayCode: "-5003"}}, errs.KindConflict, "gateway_not_allowed"},
		{"not allowed", Result{Outcome: Failed, Reason: Reason{Code: ReasonNotAllowed}}, errs.KindConflict, "gateway_not_allowed"},
		{"not found", Result{Outcome: Failed, Reason: Reason{Code: ReasonNotFound}}, errs.KindNotFound, "payment_transaction_not_found"},
		{"auth", Result{Outcome: Failed, Reason: Reason{Code: ReasonGatewayAuth}}, errs.KindUnavailable, "gateway_unavailable"},
		{"fraud", Result{Outcome: Failed, Reason: Reason{Code: ReasonFraud}}, errs.KindPaymentDecline, "fraud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Err()
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != tt.kind || string(e.Code) != tt.code {
				t.Fatalf("Err() = %#v, want kind %s code %s", err, tt.kind, tt.code)
			}
		})
	}
	err := Result{Outcome: Failed, Reason: Reason{Code: ReasonOrderExists, GatewayCode: "-5003", Message: "The order already exists"}}.Err()
	if !strings.Contains(err.Error(), "-5003") || errors.Unwrap(err) == nil {
		t.Errorf("internal cause missing: %v", err)
	}
}
