package xrechnung

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test ./xrechnung -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name string
		in   func(*testing.T) Input
		// what the totals must be, as on the PDF (invoice.Compute)
		contains []string
	}{
		{"advance.xml", advanceInput, []string{
			"<ram:TypeCode>386</ram:TypeCode>", "<ram:LineTotalAmount>42.01</ram:LineTotalAmount>",
			`<ram:TaxTotalAmount currencyID="EUR">7.98</ram:TaxTotalAmount>`, "<ram:GrandTotalAmount>49.99</ram:GrandTotalAmount>",
			"<ram:TotalPrepaidAmount>49.99</ram:TotalPrepaidAmount>", "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>",
			"<ram:TypeCode>48</ram:TypeCode>", "<ram:BuyerReference>B-2026-0815</ram:BuyerReference>", "Süddeutsche", "München"}},
		{"final.xml", finalInput, []string{
			"<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>58</ram:TypeCode>", "<ram:IBANID>DE89370400440532013000</ram:IBANID>",
			"<ram:BuyerReference>Schaden 2026/4711-Ü</ram:BuyerReference>", "<ram:IssuerAssignedID>RE-2026-000041</ram:IssuerAssignedID>",
			"Abzüglich Anzahlungsrechnung RE-2026-000041 vom 01.12.2026: netto 42,01 EUR + USt 19 % 7,98 EUR = 49,99 EUR."}},
		{"credit_note.xml", creditInput, []string{
			"<ram:TypeCode>381</ram:TypeCode>", "<ram:IssuerAssignedID>RE-2026-000057</ram:IssuerAssignedID>",
			"<udt:DateTimeString format=\"102\">20261211</udt:DateTimeString>", "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in(t)
			got, err := Render(in)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden(t, tt.name, got)
			for _, s := range tt.contains {
				if !strings.Contains(string(got), s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, v := range Check(got) {
				if v.Severity == Error || !(tt.name == "advance.xml" && v.Rule == "BR-DE-17") {
					t.Errorf("violation: %s", v)
				}
			}
			// The XML totals equal the PDF's (invoice.Compute) to the cent.
			tot := invoice.Compute(in.Doc.Invoice)
			root, _ := parse(got)
			sum := func(name string) string { return root.val(pSum + "/ram:" + name) }
			if sum("LineTotalAmount") != euros(tot.Net) || sum("TaxTotalAmount") != euros(tot.VAT) || sum("GrandTotalAmount") != euros(tot.Gross) {
				t.Errorf("totals %s/%s/%s ≠ Compute %d/%d/%d", sum("LineTotalAmount"), sum("TaxTotalAmount"), sum("GrandTotalAmount"), tot.Net, tot.VAT, tot.Gross)
			}
			again, _ := Render(in)
			if !bytes.Equal(got, again) {
				t.Error("Render is not deterministic")
			}
		})
	}
}

func TestRenderFinalPrepaidIsAdvance(t *testing.T) {
	in := finalInput(t)
	tot := invoice.Compute(in.Doc.Invoice)
	out, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := parse(out)
	if got := root.val(pSum + "/ram:TotalPrepaidAmount"); got != euros(tot.DeductedGross) {
		t.Errorf("prepaid %s; want the advance's gross %s", got, euros(tot.DeductedGross))
	}
	if got := root.val(pSum + "/ram:DuePayableAmount"); got != euros(tot.Due) {
		t.Errorf("due %s; want %s (the PDF's amount due)", got, euros(tot.Due))
	}
	if root.one(pSet+"/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime") == nil {
		t.Error("an amount due needs a due date")
	}
}

func TestRenderRefusesIncompleteData(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"no tenant phone", func(in *Input) { in.Doc.Branding.Phone = "" }, "tenant.phone"},
		{"bad tenant e-mail", func(in *Input) { in.Doc.Branding.Email = "buchhaltung" }, "tenant.email"},
		{"no customer e-mail", func(in *Input) { in.BuyerEmail = "" }, "customer.email"},
		{"bad IBAN with amount due", func(in *Input) { in.Doc.Branding.IBAN = "DE00 3704 0044 0532 0130 00" }, "tenant.iban"},
		{"zero rate", func(in *Input) { in.Doc.Invoice.Lines[0].VATRateBP = 0 }, "lines[0].vat_rate"},
		{"invalid invoice", func(in *Input) { in.Doc.Invoice.Number = "" }, "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := finalInput(t)
			tt.edit(&in)
			_, err := Render(in)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || !errs.Fields(e.Fields).Has(tt.field) {
				t.Fatalf("Render error = %v; want invalid with field %s", err, tt.field)
			}
		})
	}
}

func TestLineNetsAddUpPerRate(t *testing.T) {
	// Per-line splits of 3 × 0.05 € would give 3 × 0.04 = 0.12; the rate's
	// net is round(0.15/1.19) = 0.13, so one line carries the extra cent.
	inv := invoice.Invoice{Kind: invoice.KindStandalone, Lines: []invoice.Line{
		{QuantityMilli: 1000, UnitGross: 5, VATRateBP: 1900},
		{QuantityMilli: 1000, UnitGross: 5, VATRateBP: 1900},
		{QuantityMilli: 1000, UnitGross: 5, VATRateBP: 1900},
		{QuantityMilli: 1000, UnitGross: 107, VATRateBP: 700},
	}}
	tot := invoice.Compute(inv)
	nets := lineNets(inv, tot)
	if got := nets[0] + nets[1] + nets[2]; got != tot.Rates[0].Net {
		t.Errorf("19%% lines sum to %d; want %d", got, tot.Rates[0].Net)
	}
	if nets[3] != 100 {
		t.Errorf("7%% line net %d; want 100", nets[3])
	}
}

func TestAmountFormatting(t *testing.T) {
	for _, tt := range []struct {
		cents int64
		want  string
	}{{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {4999, "49.99"}, {-123456, "-1234.56"}, {100, "1.00"}} {
		if got := euros(tt.cents); got != tt.want {
			t.Errorf("euros(%d) = %q; want %q", tt.cents, got, tt.want)
		}
		if v, exact, ok := parseDecimal(tt.want, 2); !ok || !exact || v != tt.cents {
			t.Errorf("parseDecimal(%q) = %d, %v, %v", tt.want, v, exact, ok)
		}
	}
	if got := rate(1950); got != "19.5" {
		t.Errorf("rate(1950) = %q", got)
	}
	if got := decimalMilli(-1500); got != "-1.5" {
		t.Errorf("decimalMilli(-1500) = %q", got)
	}
	if _, exact, _ := parseDecimal("1.005", 2); exact {
		t.Error("1.005 has three decimals")
	}
}

// BenchmarkRender measures Render (including its Check) for the final invoice.
func BenchmarkRender(b *testing.B) {
	in := finalInput(&testing.T{})
	for b.Loop() {
		if _, err := Render(in); err != nil {
			b.Fatal(err)
		}
	}
}
