package locale_test

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/locale"
)

func TestFormats(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC).In(berlin)
	de, en := locale.German, locale.English
	tests := []struct{ got, want string }{
		{de.Money(123450), "1.234,50 €"},
		{de.Money(-123450), "-1.234,50 €"},
		{de.Money(5), "0,05 €"},
		{de.Money(0), "0,00 €"},
		{de.Money(100000000), "1.000.000,00 €"},
		{de.Money(-9223372036854775808), "-92.233.720.368.547.758,08 €"},
		{en.Money(123450), "€1,234.50"},
		{en.Money(-123450), "-€1,234.50"},
		{de.Amount(123450), "1234,50"},
		{en.Amount(-5), "-0.05"},
		{de.Km(18985), "18.985 km"},
		{en.Km(18985), "18,985 km"},
		{de.Number(-1234567), "-1.234.567"},
		{de.Percent(1900), "19 %"},
		{de.Percent(750), "7,5 %"},
		{en.Percent(750), "7.5%"},
		{de.Quantity(1500), "1,5"},
		{en.Quantity(2000), "2"},
		{de.Date(at), "14.03.2026"},
		{en.Date(at), "14 Mar 2026"},
		{de.DateTime(at), "14.03.2026, 09:30 Uhr"},
		{en.DateTime(at), "14 Mar 2026, 09:30"},
		{de.DayMonth(at), "14.03."},
		{en.DayMonth(at), "14 Mar"},
		{de.MonthYear(at), "März 2026"},
		{en.MonthYear(at), "March 2026"},
		{de.MonthYear(time.Time{}), ""},
		{de.Clock(at), "09:30 Uhr"},
		{de.Date(time.Time{}), ""},
		{locale.Format(de, locale.Km(120)), "120 km"},
		{locale.Format(de, locale.Percent(1900)), "19 %"},
		{locale.Format(de, locale.DateTime(at)), "14.03.2026, 09:30 Uhr"},
		{locale.Format(en, 1234), "1,234"},
		{locale.Format(de, "M-AB 1234"), "M-AB 1234"},
		{locale.Fuel(6), "6/8"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

// TestMoneyNegative: a negative amount is "-1,50 €", never "-1,-50 €".
func TestMoneyNegative(t *testing.T) {
	for cents, want := range map[int64]string{-150: "-1,50 €", 123456: "1.234,56 €", 0: "0,00 €", -5: "-0,05 €"} {
		if got := locale.German.Money(cents); got != want {
			t.Errorf("Money(%d) = %q, want %q", cents, got, want)
		}
	}
}
