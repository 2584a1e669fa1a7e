package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

var (
	berlin = mustLoc("Europe/Berlin")
	issued = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

func testPNG(w, h int, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x+y)%7 < 3 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.White)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func branding() document.Branding {
	return document.Branding{
		LegalName: "Autohaus König GmbH & Co. KG",
		Address:   invoice.Address{Street: "Große Straße 12", PostalCode: "20095", City: "Hamburg", Country: "DE"},
		Phone:     "+49 40 123456", Email: "vermietung@autohaus-koenig.de", Website: "www.autohaus-koenig.de",
		VATID: "DE123456789", TaxNumber: "22/123/45678",
		RegisterCourt: "Amtsgericht Hamburg", RegisterNumber: "HRA 98765",
		ManagingDirectors: []string{"Jürgen König", "Bärbel Weiß"},
		BankName:          "Hamburger Sparkasse", IBAN: "DE02 2005 0550 1234 5678 90", BIC: "HASPDEHHXXX",
		LogoPNG: testPNG(120, 40, color.RGBA{0, 70, 140, 255}),
	}
}

func supplier() invoice.Party {
	b := branding()
	return invoice.Party{Name: b.LegalName, Address: b.Address, VATID: b.VATID, TaxNumber: b.TaxNumber}
}

func recipient() invoice.Party {
	return invoice.Party{Name: "Jörg Müßig", Address: invoice.Address{Street: "Äußere Weg 3", PostalCode: "80331", City: "München", Country: "DE"}}
}

func advanceInvoice() invoice.Invoice {
	return invoice.Invoice{
		Kind: invoice.KindAdvance, Number: "RE-2026-000041", IssueDate: issued.AddDate(0, 0, -3), Currency: "EUR",
		ServicePeriod: invoice.Period{From: issued.AddDate(0, 0, -3), To: issued},
		Supplier:      supplier(), Recipient: recipient(),
		Lines: []invoice.Line{{Description: "Miete VW Golf, 1. Tag (Anzahlung)", QuantityMilli: 1000, Unit: "day", UnitGross: 4999, VATRateBP: 1900}},
	}
}

func finalInvoice() invoice.Invoice {
	return invoice.Invoice{
		Kind: invoice.KindFinal, Number: "RE-2026-000042", IssueDate: issued, Currency: "EUR",
		ServicePeriod: invoice.Period{From: issued.AddDate(0, 0, -3), To: issued},
		Supplier:      supplier(), Recipient: recipient(),
		Lines: []invoice.Line{
			{Description: "Miete VW Golf (Werkstattersatzwagen)", QuantityMilli: 3000, Unit: "day", UnitGross: 4999, VATRateBP: 1900},
			{Description: "Mehrkilometer", QuantityMilli: 120_000, Unit: "km", UnitGross: 29, VATRateBP: 1900},
			{Description: "Betankung", QuantityMilli: 2000, Unit: "eighth", UnitGross: 1250, VATRateBP: 1900},
			{Description: "Straßenkarte Süddeutschland", QuantityMilli: 1000, Unit: "piece", UnitGross: 1070, VATRateBP: 700},
		},
		Advances: []invoice.Advance{invoice.AsAdvance(advanceInvoice())},
	}
}

func creditNote() invoice.Invoice {
	return invoice.Invoice{
		Kind: invoice.KindCreditNote, Number: "GS-2026-000007", IssueDate: issued, Currency: "EUR",
		ServicePeriod: invoice.Period{From: issued.AddDate(0, 0, -3), To: issued},
		Supplier:      supplier(), Recipient: recipient(),
		Corrects: &invoice.Reference{Number: "RE-2026-000042", IssueDate: issued.AddDate(0, 0, -1)},
		Lines:    []invoice.Line{{Description: "Erstattung Reinigungspauschale", QuantityMilli: 1000, Unit: "flat", UnitGross: 123456, VATRateBP: 1900}},
	}
}

func invoiceDoc(inv invoice.Invoice, lang document.Lang) document.InvoiceDoc {
	if inv.Payment == (invoice.Payment{}) {
		inv.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
	}
	return document.InvoiceDoc{Lang: lang, Location: berlin, Branding: branding(), Invoice: inv}
}

func protocolDoc(kind document.ProtocolKind, lang document.Lang) document.ProtocolDoc {
	d := document.ProtocolDoc{
		Kind: kind, Lang: lang, Location: berlin, Branding: branding(), ContractNumber: "MV-2026-000123",
		Vehicle:  document.Vehicle{Plate: "HH-AK 4711", Make: "Volkswagen", Model: "Golf 8 Variant", VIN: "WVWZZZCDZMW123456"},
		Customer: document.Person{Name: "Jörg Müßig", Address: []string{"Äußere Weg 3", "80331 München"}},
		Station:  document.Station{Name: "Filiale Hamburg-Süd", Address: []string{"Große Straße 12", "20095 Hamburg"}},
		Reading:  document.Reading{Time: issued, Km: 12345, FuelEighths: 6, Cleanliness: document.Clean},
		Damages: []document.Damage{
			{View: document.ViewLeft, XPercent: 30, YPercent: 55, Kind: "Kratzer", Severity: document.Minor, Description: "Tür hinten links, 5 cm", New: false},
			{View: document.ViewFront, XPercent: 50, YPercent: 60, Kind: "Steinschlag", Severity: document.Moderate, Description: "Frontscheibe unten", New: kind == document.Return},
		},
		SignaturePNG: testPNG(200, 60, color.Black), SignerName: "Jörg Müßig", StaffName: "Bärbel Weiß",
	}
	if kind == document.Return {
		d.Handover = &document.Reading{Time: issued.AddDate(0, 0, -3), Km: 11890, FuelEighths: 8, Cleanliness: document.Clean}
		d.Reading.Cleanliness = document.Dirty
	}
	return d
}

func contractDoc(lang document.Lang) document.ContractDoc {
	return document.ContractDoc{
		Lang: lang, Location: berlin, Branding: branding(), Number: "MV-2026-000123", IssuedAt: issued,
		Customer: document.Person{Name: "Jörg Müßig", Address: []string{"Äußere Weg 3", "80331 München"}, Email: "joerg@example.org", Phone: "+49 89 555", BirthDate: time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)},
		Drivers: []document.Driver{{
			Person:  document.Person{Name: "Jörg Müßig", BirthDate: time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC)},
			Licence: document.Licence{Number: "B072RRE2I55", Classes: "B, BE", IssuedOn: time.Date(1998, 6, 1, 0, 0, 0, 0, time.UTC), IssuingCountry: "DE", CheckedBy: "Bärbel Weiß", CheckedAt: issued},
		}},
		Vehicle: document.Vehicle{Plate: "HH-AK 4711", Make: "Volkswagen", Model: "Golf 8 Variant", VIN: "WVWZZZCDZMW123456"},
		Station: document.Station{Name: "Filiale Hamburg-Süd", Address: []string{"Große Straße 12", "20095 Hamburg"}},
		From:    issued, To: issued.AddDate(0, 0, 3),
		Tariff: document.Tariff{Name: "Werkstattersatz Kompakt", PerDay: 4999, IncludedKmPerDay: 200, PerExtraKm: 29,
			RefuelPerEighth: 1250, CleaningFee: 2500, VATRateBP: 1900, DeductiblePerCase: 100000},
		Deposit: 30000,
		Terms: []string{
			"§ 1 Das Fahrzeug ist in dem Zustand zurückzugeben, in dem es übernommen wurde; Schäden sind unverzüglich zu melden.",
			"§ 2 Fahrten ins Ausland bedürfen der vorherigen schriftlichen Zustimmung des Vermieters.",
		},
		Signature: testPNG(200, 60, color.Black), Signer: "Jörg Müßig",
	}
}

// pdfText returns the text of a PDF (testenv.PDFText) with runs of spaces
// collapsed to one so tests can match phrases.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(testenv.PDFText(t, pdf)), " ")
}

// mustContain fails for every want that text does not contain.
func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("PDF text: %s", text)
	}
}
