package payment

import "testing"

func TestAmountDecimal(t *testing.T) {
	tests := []struct {
		a    Amount
		want string
	}{
		{EUR(1300), "13.00"}, {EUR(5), "0.05"}, {EUR(0), "0.00"}, {EUR(99), "0.99"},
		{EUR(123456789), "1234567.89"}, {Amount{1300, "JPY"}, "1300"}, {EUR(-250), "-2.50"},
	}
	for _, tt := range tests {
		if got := tt.a.Decimal(); got != tt.want {
			t.Errorf("%+v.Decimal() = %q, want %q", tt.a, got, tt.want)
		}
	}
	if got := EUR(1300).String(); got != "13.00 EUR" {
		t.Errorf("String() = %q", got)
	}
}

func TestAmountValidate(t *testing.T) {
	tests := []struct {
		a      Amount
		fields []string
	}{
		{EUR(1), nil},
		{EUR(MaxCents), nil},
		{EUR(0), []string{"amount.cents"}},
		{EUR(-1), []string{"amount.cents"}},
		{EUR(MaxCents + 1), []string{"amount.cents"}},
		{Amount{100, "eur"}, []string{"amount.currency"}},
		{Amount{100, "XXX"}, []string{"amount.currency"}},
		{Amount{0, ""}, []string{"amount.cents", "amount.currency"}},
	}
	for _, tt := range tests {
		assertFields(t, tt.a.Validate("amount."), tt.fields)
	}
}
