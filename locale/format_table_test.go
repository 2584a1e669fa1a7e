package locale

import (
	"math"
	"testing"
	"time"
)

func TestMoneyTable(t *testing.T) {
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
		if got := German.Money(tt.cents); got != tt.de {
			t.Errorf("Money(de, %d) = %q; want %q", tt.cents, got, tt.de)
		}
		if got := English.Money(tt.cents); got != tt.en {
			t.Errorf("Money(en, %d) = %q; want %q", tt.cents, got, tt.en)
		}
		if got := Lang("fr").Money(tt.cents); got != tt.de {
			t.Errorf("unknown language must format as German, got %q", got)
		}
	}
}

func TestQuantityPercentNumberTable(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{German.Quantity(1500), "1,5"},
		{English.Quantity(1500), "1.5"},
		{German.Quantity(2000), "2"},
		{German.Quantity(1234_005), "1.234,005"},
		{English.Quantity(-250), "-0.25"},
		{German.Percent(1900), "19 %"},
		{English.Percent(1900), "19%"},
		{German.Percent(750), "7,5 %"},
		{German.Number(123456), "123.456"},
		{English.Number(-1234), "-1,234"},
		{Fuel(6), "6/8"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q; want %q", i, tt.got, tt.want)
		}
	}
}

func TestDatesTable(t *testing.T) {
	ts := time.Date(2026, 3, 4, 9, 5, 0, 0, time.UTC)
	tests := []struct{ got, want string }{
		{German.Date(ts), "04.03.2026"},
		{English.Date(ts), "4 Mar 2026"},
		{German.DateTime(ts), "04.03.2026, 09:05 Uhr"},
		{English.DateTime(ts), "4 Mar 2026, 09:05"},
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
