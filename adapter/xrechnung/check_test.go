package xrechnung

import (
	"os"
	"strings"
	"testing"
)

func rendered(t *testing.T, in func(*testing.T) Input) string {
	t.Helper()
	out, err := Render(in(t))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestCheckFindsPlantedErrors plants one mistake into a valid final invoice
// and expects exactly the rule that catches it.
func TestCheckFindsPlantedErrors(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		rule     string
	}{
		{"wrong line total BT-106", "<ram:LineTotalAmount>247.63</ram:LineTotalAmount>", "<ram:LineTotalAmount>247.64</ram:LineTotalAmount>", "BR-CO-10"},
		{"wrong tax basis BT-109", "<ram:TaxBasisTotalAmount>247.63<", "<ram:TaxBasisTotalAmount>247.53<", "BR-CO-13"},
		{"wrong grand total BT-112", "<ram:GrandTotalAmount>294.68<", "<ram:GrandTotalAmount>294.69<", "BR-CO-15"},
		{"wrong amount due BT-115", "<ram:DuePayableAmount>244.69<", "<ram:DuePayableAmount>294.68<", "BR-CO-16"},
		{"wrong VAT total BT-110", `currencyID="EUR">47.05<`, `currencyID="EUR">47.06<`, "BR-CO-14"},
		{"VAT not base × rate", "<ram:CalculatedAmount>47.05<", "<ram:CalculatedAmount>47.15<", "BR-S-09"},
		{"taxable amount ≠ lines", "<ram:BasisAmount>247.63<", "<ram:BasisAmount>247.73<", "BR-S-08"},
		{"three decimals", "<ram:LineTotalAmount>33.39<", "<ram:LineTotalAmount>33.391<", "BR-DEC"},
		{"no buyer reference", "<ram:BuyerReference>Schaden 2026/4711-Ü</ram:BuyerReference>", "", "BR-DE-15"},
		{"no seller phone", "<ram:CompleteNumber>+49 40 1234567</ram:CompleteNumber>", "", "BR-DE-6"},
		{"no seller contact e-mail", "<ram:URIID>buchhaltung@autohaus-koenig.de</ram:URIID>", "", "BR-DE-7"},
		{"no seller city", "<ram:CityName>Hamburg</ram:CityName>", "", "BR-DE-3"},
		{"no buyer post code", "<ram:PostcodeCode>80331</ram:PostcodeCode>", "", "BR-DE-9"},
		{"no buyer e-mail", `<ram:URIID schemeID="EM">schaden@sueddeutsche-flotte.de</ram:URIID>`, "", "BT-49"},
		{"old guideline", "xrechnung_3.0", "xrechnung_2.3", "BR-DE-21"},
		{"invalid IBAN", "DE89370400440532013000", "DE89370400440532013001", "BR-DE-19"},
		{"transfer without account", "<ram:IBANID>DE89370400440532013000</ram:IBANID>", "", "BR-61"},
		{"no tax registration", `<ram:ID schemeID="VA">DE123456789</ram:ID>`, "", ""},
		{"no payment terms", "<ram:Description>Zahlbar innerhalb von 14 Tagen ohne Abzug.</ram:Description>", "", ""},
		{"period reversed", "20261207</udt:DateTimeString>\n        </ram:StartDateTime>", "20261212</udt:DateTimeString>\n        </ram:StartDateTime>", "BR-29"},
		{"negative price", "<ram:ChargeAmount>8.40<", "<ram:ChargeAmount>-8.40<", "BR-27"},
		{"type code unknown", "<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>999</ram:TypeCode>", "BR-CL-01"},
		{"elements out of order", "<ram:PaymentReference>RE-2026-000057</ram:PaymentReference>\n      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>",
			"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>\n      <ram:PaymentReference>RE-2026-000057</ram:PaymentReference>", "CII-ORDER"},
		{"unknown element", "<ram:PaymentReference>", "<ram:Zahlungsreferenz>RE</ram:Zahlungsreferenz><ram:PaymentReference>", "CII-ELEMENT"},
		{"wrong namespace", `xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"`,
			`xmlns:ram="urn:example:ram"`, "CII-NS"},
		{"not well-formed", "</rsm:CrossIndustryInvoice>", "</rsm:CrossIndustryInvoic>", "XML"},
		{"bad date", `format="102">20261211</udt:DateTimeString>
    </ram:IssueDateTime>`, `format="102">2026-12-11</udt:DateTimeString>
    </ram:IssueDateTime>`, "CII-DATE"},
	}
	base := rendered(t, finalInput)
	if vs := Check([]byte(base)); len(vs) != 0 {
		t.Fatalf("the unplanted document has violations: %v", vs)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			doc := strings.Replace(base, tt.old, tt.new, 1)
			vs := Check([]byte(doc))
			want := tt.rule
			switch tt.name {
			case "no tax registration": // the FC registration remains: still fine
				if len(vs) != 0 {
					t.Errorf("violations %v; want none with the tax number left", vs)
				}
				doc = strings.Replace(doc, `<ram:ID schemeID="FC">22/123/45678</ram:ID>`, "", 1)
				vs, want = Check([]byte(doc)), "BR-DE-16"
			case "no payment terms": // the due date remains: still fine
				if len(vs) != 0 {
					t.Errorf("violations %v; want none with the due date left", vs)
				}
				doc = strings.Replace(doc, `<udt:DateTimeString format="102">20261225</udt:DateTimeString>`, "", 1)
				vs, want = Check([]byte(doc)), "BR-CO-25"
			}
			found := false
			for _, v := range vs {
				found = found || v.Rule == want && v.Severity == Error
			}
			if !found {
				t.Errorf("Check did not report %s; got %v", want, vs)
			}
		})
	}
}

func TestCheckCardRules(t *testing.T) {
	base := rendered(t, advanceInput)
	tests := []struct {
		name, old, new, rule string
	}{
		{"full card number", "<ram:ID>1111</ram:ID>", "<ram:ID>4111111111111111</ram:ID>", "BR-51"},
		{"card means without card", "<ram:ApplicableTradeSettlementFinancialCard>\n          <ram:ID>1111</ram:ID>\n        </ram:ApplicableTradeSettlementFinancialCard>", "", "BR-DE-24-a"},
		{"no payment means", "<ram:TypeCode>48</ram:TypeCode>", "<ram:TypeCode></ram:TypeCode>", "BR-49"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			vs := Check([]byte(strings.Replace(base, tt.old, tt.new, 1)))
			found := false
			for _, v := range vs {
				found = found || v.Rule == tt.rule
			}
			if !found {
				t.Errorf("Check did not report %s; got %v", tt.rule, vs)
			}
		})
	}
	// The advance-payment type code 386 is only a BR-DE-17 warning.
	vs := Check([]byte(base))
	if len(vs) != 1 || vs[0].Rule != "BR-DE-17" || vs[0].Severity != Warning {
		t.Errorf("advance invoice: %v; want exactly the BR-DE-17 warning", vs)
	}
}

// TestReferenceExample checks the KoSIT test-suite instance kept in testdata
// (see testdata/README.md): its structure, namespaces and arithmetic pass, and
// what it lacks for XRechnung 3.0 is exactly what 3.0 added.
func TestReferenceExample(t *testing.T) {
	data, err := os.ReadFile("testdata/kosit-01.01a-INVOICE_uncefact.xml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, v := range Check(data) {
		got[v.Rule] = true
	}
	want := map[string]bool{"BR-DE-21": true, "BT-34": true, "BT-49": true}
	for r := range got {
		if !want[r] {
			t.Errorf("unexpected violation of %s on the reference example", r)
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("expected %s (XRechnung 2.2 → 3.0 difference) on the reference example", r)
		}
	}
}
