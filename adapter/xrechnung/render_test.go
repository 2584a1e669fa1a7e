package xrechnung

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
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
			"Abzüglich Anzahlungsrechnung RE-2026-000041 vom 01.12.2026: netto 42,01 € + USt 19 % 7,98 € = 49,99 €."}},
		{"damage_claim.xml", claimInput, []string{
			"<ram:TypeCode>380</ram:TypeCode>", "<ram:CategoryCode>O</ram:CategoryCode>", "<ram:ExemptionReasonCode>VATEX-EU-O</ram:ExemptionReasonCode>",
			"<ram:ExemptionReason>Nicht umsatzsteuerbarer Schadensersatz", `<ram:TaxTotalAmount currencyID="EUR">0.00</ram:TaxTotalAmount>`,
			"<ram:GrandTotalAmount>250.00</ram:GrandTotalAmount>", "<ram:DuePayableAmount>0.00</ram:DuePayableAmount>"}},
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

// TestRenderNotSubject: a damage settlement carries category O on its line
// without a rate (BR-O-05), one breakdown with the reason (BR-O-10), and no
// VAT identifier of seller or buyer (BR-O-02) — the tax number stays; Check
// finds each of these rules broken when planted.
func TestRenderNotSubject(t *testing.T) {
	out := rendered(t, claimInput)
	if strings.Contains(out, `schemeID="VA"`) || !strings.Contains(out, `schemeID="FC"`) {
		t.Fatalf("VAT identifiers on a document not subject to VAT:\n%s", out)
	}
	tests := []struct{ name, old, new, rule string }{
		{"seller VAT id", `<ram:ID schemeID="FC">22/123/45678</ram:ID>`, `<ram:ID schemeID="FC">22/123/45678</ram:ID>
      </ram:SpecifiedTaxRegistration>
      <ram:SpecifiedTaxRegistration>
        <ram:ID schemeID="VA">DE123456789</ram:ID>`, "BR-O-02"},
		{"rate on the line", "<ram:CategoryCode>O</ram:CategoryCode>\n        </ram:ApplicableTradeTax>",
			"<ram:CategoryCode>O</ram:CategoryCode>\n          <ram:RateApplicablePercent>0</ram:RateApplicablePercent>\n        </ram:ApplicableTradeTax>", "BR-O-05"},
		{"VAT on the breakdown", "<ram:CalculatedAmount>0.00</ram:CalculatedAmount>", "<ram:CalculatedAmount>1.00</ram:CalculatedAmount>", "BR-O-09"},
		{"no reason", "<ram:ExemptionReasonCode>VATEX-EU-O</ram:ExemptionReasonCode>", "", "BR-O-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(out, tt.old) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			doc := strings.Replace(out, tt.old, tt.new, 1)
			if tt.rule == "BR-O-10" {
				doc = regexp.MustCompile(`<ram:ExemptionReason>[^<]*</ram:ExemptionReason>\s*`).ReplaceAllString(doc, "")
			}
			found := false
			for _, v := range Check([]byte(doc)) {
				found = found || v.Rule == tt.rule && v.Severity == Error
			}
			if !found {
				t.Errorf("Check did not report %s: %v", tt.rule, Check([]byte(doc)))
			}
		})
	}
	// mixing a taxed line into the document is refused before rendering
	in := claimInput(t)
	in.Doc.Invoice.Lines = append(in.Doc.Invoice.Lines, invoice.Line{Description: "Miete", QuantityMilli: 1000, Unit: "day", UnitGross: 4900, VATRateBP: 1900})
	if _, err := Render(in); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("mixed document rendered: %v", err)
	}
}

// TestMeansFollowPayment: the payment means code BT-81 says what happened —
// card 48 with its last digits, cash 10, a set-off 97, SEPA transfer to the
// seller 58 for money due or paid by transfer, and ZZZ (named in BT-82) for
// the card terminal and money paid back by transfer.
func TestMeansFollowPayment(t *testing.T) {
	tests := []struct {
		p    invoice.Payment
		back bool
		want string
	}{
		{invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}, false, "48"},
		{invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}, true, "48"},
		{invoice.Payment{Means: invoice.MeansCard}, false, "ZZZ"},
		{invoice.Payment{Means: invoice.MeansCash}, true, "10"},
		{invoice.Payment{Means: invoice.MeansCash}, false, "10"},
		{invoice.Payment{Means: invoice.MeansTerminal, Reference: "0815"}, true, "ZZZ"},
		{invoice.Payment{Means: invoice.MeansTransfer, Reference: "SEPA-1"}, false, "58"},
		{invoice.Payment{Means: invoice.MeansTransfer, Reference: "SEPA-1"}, true, "ZZZ"},
		{invoice.Payment{Means: invoice.MeansOffset}, true, "97"},
		{invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}, false, "58"},
	}
	for _, tt := range tests {
		if got := Means(tt.p, tt.back); got != tt.want {
			t.Errorf("Means(%+v, back %v) = %s, want %s", tt.p, tt.back, got, tt.want)
		}
	}
	// each renders a document Check accepts, the note as BT-82
	for _, tt := range tests {
		in := creditInput(t)
		if !tt.back {
			in = advanceInput(t)
		}
		in.Doc.Invoice.Payment = tt.p
		out, err := Render(in)
		if err != nil {
			t.Fatalf("%+v: %v", tt.p, err)
		}
		if !strings.Contains(string(out), "<ram:TypeCode>"+tt.want+"</ram:TypeCode>") ||
			!strings.Contains(string(out), "<ram:Information>"+document.PaymentNote(document.German, in.Doc.Invoice, invoice.Compute(in.Doc.Invoice))) {
			t.Errorf("%+v: means or note missing:\n%s", tt.p, out)
		}
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

// TestNotesInTheInvoiceLanguage: the notes, the payment means and the terms
// of an English customer's e-invoice are English, dates and amounts in its
// conventions; the German's stay German (see TestRenderGolden).
func TestNotesInTheInvoiceLanguage(t *testing.T) {
	for name, mk := range map[string]func(*testing.T) Input{"final": finalInput, "credit_note": creditInput} {
		in := mk(t)
		in.Doc.Lang = document.English
		got, err := Render(in)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"final": {"Less advance invoice RE-2026-000041 of 1 Dec 2026: net €42.01 + VAT 19% €7.98 = €49.99.",
				"Advance payments deducted: €49.99, of which VAT €7.98.", "without deduction."},
			"credit_note": {"Credit note for invoice RE-2026-000057 of "},
		}[name]
		for _, s := range want {
			if !strings.Contains(string(got), s) {
				t.Errorf("%s in English lacks %q:\n%s", name, s, got)
			}
		}
		for _, s := range []string{"Abzüglich", "Gutschrift zur", "Zahlbar", "Geschäftsführung", "netto"} {
			if strings.Contains(string(got), s) {
				t.Errorf("%s in English has the German %q", name, s)
			}
		}
	}
}
