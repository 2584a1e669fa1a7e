package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payment"
)

// FuzzDecodeBodies feeds any bytes, as the body and the Accept-Language,
// to the request decoders of booking create, booking change, handover and
// return, and through the pure mapping and validation that follow them
// (times, customer, card, protocol, drivers). Nothing may panic; a refused
// body is a KindInvalid problem that encodes as JSON. The seed corpus
// (testdata/fuzz/FuzzDecodeBodies: valid bodies with hard Unicode, wrong
// types, unknown fields, deep nesting, NUL escapes, lone surrogates,
// trailing data) runs with every go test; explore with
// go test ./api -run '^$' -fuzz FuzzDecodeBodies.
func FuzzDecodeBodies(f *testing.F) {
	now := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, acceptLanguage string) {
		for _, target := range []struct {
			name string
			into func() any
			use  func(v any, fs *errs.Fields)
		}{
			{"create booking", func() any { return &bookingIn{} }, func(v any, fs *errs.Fields) {
				in := v.(*bookingIn)
				parseTime(fs, "pickup", in.Pickup)
				parseTime(fs, "return", in.Return)
				if in.Customer != nil {
					c := in.Customer.domain()
					c.Normalize()
					addFields(fs, c.Validate("customer.", now))
				}
				if p := in.Payment; p != nil && p.Card != nil {
					c := payment.Card{Number: p.Card.Number, ExpMonth: p.Card.ExpMonth, ExpYear: p.Card.ExpYear, CVV: p.Card.CVV, Holder: p.Card.Holder}
					addFields(fs, c.Validate("payment.card."))
				}
				if p := in.Payment; p != nil && p.Token != nil {
					payment.ParseBrand(p.Token.Brand)
					addFields(fs, payment.ValidateID("payment.token", p.Token.Value, payment.MaxTokenLen))
				}
			}},
			{"change booking", func() any { return &changeIn{} }, func(v any, fs *errs.Fields) {
				in := v.(*changeIn)
				if in.Pickup != nil {
					parseTime(fs, "pickup", *in.Pickup)
				}
				if in.Customer != nil {
					c := in.Customer.domain()
					c.Normalize()
					addFields(fs, c.Validate("customer.", now))
				}
			}},
			{"handover", func() any { return &ctHandoverIn{} }, func(v any, fs *errs.Fields) {
				v.(*ctHandoverIn).protocol(fs, false)
			}},
			{"return", func() any { return &ctReturnIn{} }, func(v any, fs *errs.Fields) {
				v.(*ctReturnIn).protocol(fs, true)
			}},
		} {
			r := httptest.NewRequest("POST", "/api/v1/bookings", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept-Language", acceptLanguage)
			v := target.into()
			fs, err := decodeAll(r, v)
			if err == nil {
				target.use(v, &fs)
				err = fs.Err()
			}
			if err == nil {
				continue
			}
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("%s: %v is not KindInvalid", target.name, err)
			}
			p := problemFor(r, err)
			b, jerr := json.Marshal(p)
			if jerr != nil || !json.Valid(b) || p.Status != 422 && p.Status != 400 {
				t.Fatalf("%s: problem %+v encodes as %q (%v)", target.name, p, b, jerr)
			}
		}
	})
}

func addFields(fs *errs.Fields, err error) {
	if e, ok := errs.As(err); ok {
		*fs = append(*fs, e.Fields...)
	}
}
