package document

import (
	"math"
	"testing"
	"time"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		cents  int64
		de, en string
	}{
		{0, "0,00 €", "€0.00"},
		{5, "0,05 €", "€0.05"},
		{123456, "1.234,56 €", "€1,234.56"},
		{-4999, "-49,99 €", "-€49.99"},
		{100000000, "1.000.000,00 €", "€1,000,000.00"},
		{math.MinInt64, "-92.233.720.368.547.758,08 €", "-€92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := Money(German, tt.cents); got != tt.de {
			t.Errorf("Money(de, %d) = %q; want %q", tt.cents, got, tt.de)
		}
		if got := Money(English, tt.cents); got != tt.en {
			t.Errorf("Money(en, %d) = %q; want %q", tt.cents, got, tt.en)
		}
		if got := Money("fr", tt.cents); got != tt.de {
			t.Errorf("unknown language must format as German, got %q", got)
		}
	}
}

func TestQuantityPercentNumber(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Quantity(German, 1500), "1,5"},
		{Quantity(English, 1500), "1.5"},
		{Quantity(German, 2000), "2"},
		{Quantity(German, 1234_005), "1.234,005"},
		{Quantity(English, -250), "-0.25"},
		{Percent(German, 1900), "19 %"},
		{Percent(English, 1900), "19%"},
		{Percent(German, 750), "7,5 %"},
		{Number(German, 123456), "123.456"},
		{Number(English, -1234), "-1,234"},
		{Fuel(6), "6/8"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q; want %q", i, tt.got, tt.want)
		}
	}
}

func TestDates(t *testing.T) {
	ts := time.Date(2026, 3, 4, 9, 5, 0, 0, time.UTC)
	tests := []struct{ got, want string }{
		{Date(German, ts), "04.03.2026"},
		{Date(English, ts), "4 Mar 2026"},
		{DateTime(German, ts), "04.03.2026, 09:05 Uhr"},
		{DateTime(English, ts), "4 Mar 2026, 09:05"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
	loc := time.FixedZone("CET", 3600)
	if got := In(ts, loc).Hour(); got != 10 {
		t.Errorf("In(loc) hour = %d", got)
	}
	if got := In(ts.In(loc), nil).Location(); got != time.UTC {
		t.Errorf("In(nil) location = %v", got)
	}
}
