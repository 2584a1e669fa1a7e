package errs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

func TestCodedErrorsReadInEachLanguage(t *testing.T) {
	var f errs.Fields
	f.Add("postal_code", "address.postal_code_de")
	f.Add("km", "billing.km_below_handover", locale.Params{"km": locale.Km(18985)})
	err := f.Err()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 2 || e.Code != "error.fields_invalid" {
		t.Fatalf("Err() = %#v", err)
	}
	de := errs.Localize(locale.German, e.Fields)
	en := errs.Localize(locale.English, e.Fields)
	for i, want := range [][2]string{
		{"Eine deutsche Postleitzahl hat 5 Ziffern.", "A German postal code has 5 digits."},
		{"Darf nicht unter dem Kilometerstand bei Übergabe (18.985 km) liegen.", "Must not be below the odometer reading at handover (18,985 km)."},
	} {
		if de[i].Message != want[0] || en[i].Message != want[1] {
			t.Errorf("field %d: %q / %q, want %q / %q", i, de[i].Message, en[i].Message, want[0], want[1])
		}
	}
	if e.Fields[0].Message != "A German postal code has 5 digits." {
		t.Errorf("the log text is %q, want the English text", e.Fields[0].Message)
	}
	b, _ := json.Marshal(de[1])
	if got := string(b); got != `{"field":"km","code":"billing.km_below_handover","message":"Darf nicht unter dem Kilometerstand bei Übergabe (18.985 km) liegen."}` {
		t.Errorf("JSON = %s", got)
	}
	if !strings.Contains(err.Error(), "postal_code: A German postal code has 5 digits.") {
		t.Errorf("Error() = %q lacks the English field text", err.Error())
	}
}

func TestText(t *testing.T) {
	wrapped := fmt.Errorf("book: %w", errs.New(errs.KindRateLimited, "rate_limited", locale.Params{"limit": 1200}))
	tests := []struct {
		err    error
		de, en string
	}{
		{wrapped, "Mehr als 1.200 Anfragen pro Minute mit diesem API-Schlüssel; bitte die Zeit in Retry-After abwarten.",
			"More than 1,200 requests per minute with this API key; wait for the time in Retry-After."},
		{errors.New("pq: connection refused"), "Ein unerwarteter Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
			"An unexpected error occurred. Please try again later."},
		{errs.Conflict("booking_status", locale.Params{"status": locale.Key("booking.status.cancelled")}),
			"Die Buchung kann nicht mehr geändert werden (Status: Storniert).", "The booking can no longer be changed (status: Cancelled)."},
		{&errs.Error{Kind: errs.KindConflict, Code: "a_code_without_text"}, "Die Daten wurden inzwischen geändert oder sind schon vorhanden.",
			"The data has changed in the meantime or exists already."},
		{&errs.Error{Kind: errs.KindForbidden}, "Sie haben keine Berechtigung dafür.", "You are not allowed to do this."},
	}
	for _, tt := range tests {
		if got := errs.Text(locale.German, tt.err); got != tt.de {
			t.Errorf("Text(de, %v) = %q, want %q", tt.err, got, tt.de)
		}
		if got := errs.Text(locale.English, tt.err); got != tt.en {
			t.Errorf("Text(en, %v) = %q, want %q", tt.err, got, tt.en)
		}
	}
}

// A field error from outside (the payment gateway's) has no code and is
// shown as given.
func TestFieldErrorWithoutCode(t *testing.T) {
	f := errs.FieldError{Field: "cardNumber", Message: "card number from the gateway"}
	if got := f.Text(locale.German); got != "card number from the gateway" {
		t.Errorf("Text = %q", got)
	}
	if got := (errs.FieldError{Field: "x"}).Text(locale.English); got != "Please check this field." {
		t.Errorf("Text of an empty field error = %q", got)
	}
}

func TestMergeKeepsCodes(t *testing.T) {
	var inner errs.Fields
	inner.Add("description", "field.too_long", locale.Params{"n": 2000})
	var f errs.Fields
	f.Merge("damages.0.", inner.Err())
	f.Merge("ignored.", errors.New("not an *errs.Error"))
	if len(f) != 1 || f[0].Field != "damages.0.description" || f[0].Text(locale.German) != "Höchstens 2.000 Zeichen." {
		t.Fatalf("Merge = %#v", f)
	}
}

func TestEveryKindHasATitleAndText(t *testing.T) {
	for _, k := range []errs.Kind{errs.KindInvalid, errs.KindNotFound, errs.KindConflict, errs.KindUnauthorized, errs.KindForbidden,
		errs.KindPaymentDecline, errs.KindUnavailable, errs.KindRateLimited, errs.KindInternal, "something_new"} {
		for _, key := range []locale.Key{errs.KindKey(k), errs.KindKey(k) + ".title"} {
			if !locale.Has(key) {
				t.Errorf("kind %s: no text %s", k, key)
			}
		}
	}
}
