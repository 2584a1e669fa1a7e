package payment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

const testPAN = "4111111111111111"

func TestLuhnValid(t *testing.T) {
	tests := []struct {
		number string
		want   bool
	}{
		{"4111111111111111", true},
		{"5424180279791732", true},
		{"4000000000000002", true},
		{"4000000000000069", true},
		{"378282246310005", true},
		{"4111111111111112", false},
		{"", false},
		{"4111-1111-1111-1111", false},
		{"0", true},
		{"1", false},
	}
	for _, tt := range tests {
		if got := LuhnValid(tt.number); got != tt.want {
			t.Errorf("LuhnValid(%q) = %v, want %v", tt.number, got, tt.want)
		}
	}
}

func TestDetectBrand(t *testing.T) {
	tests := []struct {
		number string
		want   Brand
	}{
		{"4111111111111111", BrandVisa},
		{"5424180279791732", BrandMastercard},
		{"2221000000000009", BrandMastercard},
		{"2720990000000007", BrandMastercard},
		{"2721000000000000", BrandUnknown},
		{"378282246310005", BrandAmex},
		{"341111111111111", BrandAmex},
		{"6011111111111117", BrandDiscover},
		{"6500000000000002", BrandDiscover},
		{"3530111333300000", BrandJCB},
		{"30569309025904", BrandDiners},
		{"36000000000008", BrandDiners},
		{"6200000000000005", BrandUnionPay},
		{"6759649826438453", BrandMaestro},
		{"5018000000000009", BrandMaestro},
		{"9999999999999995", BrandUnknown},
		{"", BrandUnknown},
		{"4x", BrandUnknown},
	}
	for _, tt := range tests {
		if got := DetectBrand(tt.number); got != tt.want {
			t.Errorf("DetectBrand(%q) = %q, want %q", tt.number, got, tt.want)
		}
	}
}

func TestParseBrand(t *testing.T) {
	tests := map[string]Brand{
		"VISA": BrandVisa, "MasterCard": BrandMastercard, "MASTERCARD": BrandMastercard,
		"AMERICAN EXPRESS": BrandAmex, "DINERSCLUB": BrandDiners, "CHINAUNIONPAY": BrandUnionPay,
		"": "", "girocard": BrandUnknown,
	}
	for in, want := range tests {
		if got := ParseBrand(in); got != want {
			t.Errorf("ParseBrand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLast4(t *testing.T) {
	for in, want := range map[string]string{testPAN: "1111", "123": "", "1234": "1234", "": ""} {
		if got := Last4(in); got != want {
			t.Errorf("Last4(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCardNeverRevealsNumber formats a card every way the standard library
// can and checks that neither the number nor the CVV shows.
func TestCardNeverRevealsNumber(t *testing.T) {
	c := Card{Number: testPAN, ExpMonth: 12, ExpYear: 2030, CVV: "737", Holder: "Erika Mustermann"}
	type wrapper struct {
		Card  Card
		CardP *Card
	}
	w := wrapper{Card: c, CardP: &c}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q", "%T %v"} {
		outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c), fmt.Sprintf(verb, w))
	}
	outs = append(outs, fmt.Sprint(c), fmt.Sprintln(c), c.String(), c.GoString())
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "card", c, "cardp", &c, "any", any(c))
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "card", c)
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, testPAN) || strings.Contains(o, "737") || strings.Contains(o, "411111") {
			t.Errorf("card data revealed: %s", o)
		}
	}
	if got := c.String(); got != "visa ****1111 12/2030" {
		t.Errorf("String() = %q", got)
	}
	if !strings.Contains(string(j), `"last4":"1111"`) || !strings.Contains(string(j), `"brand":"visa"`) {
		t.Errorf("JSON lacks brand/last4: %s", j)
	}
	if !strings.Contains(buf.String(), `"last4":"1111"`) {
		t.Errorf("slog lacks last4: %s", buf.String())
	}
}

func TestCardValidate(t *testing.T) {
	ok := Card{Number: testPAN, ExpMonth: 3, ExpYear: 2030, CVV: "737"}
	tests := []struct {
		name   string
		mutate func(*Card)
		fields []string
	}{
		{"valid", func(*Card) {}, nil},
		{"valid without cvv", func(c *Card) { c.CVV = "" }, nil},
		{"empty number", func(c *Card) { c.Number = "" }, []string{"card.number"}},
		{"letters", func(c *Card) { c.Number = "4111x11111111111" }, []string{"card.number"}},
		{"too short", func(c *Card) { c.Number = "411111111111" }, []string{"card.number"}},
		{"luhn", func(c *Card) { c.Number = "4111111111111112" }, []string{"card.number"}},
		{"month", func(c *Card) { c.ExpMonth = 13 }, []string{"card.expMonth"}},
		{"year", func(c *Card) { c.ExpYear = 30 }, []string{"card.expYear"}},
		{"cvv", func(c *Card) { c.CVV = "12" }, []string{"card.cvv"}},
		{"amex cvv 3", func(c *Card) { c.Number, c.CVV = "378282246310005", "123" }, []string{"card.cvv"}},
		{"amex cvv 4", func(c *Card) { c.Number, c.CVV = "378282246310005", "1234" }, nil},
		{"holder", func(c *Card) { c.Holder = strings.Repeat("x", 101) }, []string{"card.holder"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mutate(&c)
			err := c.Validate("card.")
			assertFields(t, err, tt.fields)
			if err != nil && strings.Contains(err.Error(), c.Number) && c.Number != "" {
				t.Errorf("error reveals number: %v", err)
			}
		})
	}
}

func TestCardExpired(t *testing.T) {
	now := time.Date(2026, 5, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		m, y int
		want bool
	}{{5, 2026, false}, {4, 2026, true}, {12, 2025, true}, {1, 2027, false}}
	for _, tt := range tests {
		if got := (Card{ExpMonth: tt.m, ExpYear: tt.y}).Expired(now); got != tt.want {
			t.Errorf("Expired(%d/%d) = %v, want %v", tt.m, tt.y, got, tt.want)
		}
	}
}

// assertFields checks that err is a KindInvalid error naming exactly fields
// (or nil when fields is empty).
func assertFields(t *testing.T, err error, fields []string) {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid {
		t.Fatalf("want invalid error, got %v", err)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Fatalf("fields = %v, want %v", got, fields)
	}
}
