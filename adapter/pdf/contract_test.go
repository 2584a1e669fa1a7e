package pdf

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

func TestContractPDF(t *testing.T) {
	tests := []struct {
		lang document.Lang
		want []string
	}{
		{document.German, []string{
			"Mietvertrag MV-2026-000123", "Vermieter", "Mieter", "Autohaus König GmbH & Co. KG", "Jörg Müßig",
			"geb. 17.05.1980", "Führerschein B072RRE2I55, Klassen B, BE, ausgestellt am 01.06.1998 (DE)",
			"geprüft von Bärbel Weiß am 14.03.2026, 10:30 Uhr",
			"Kennzeichen HH-AK 4711", "Abholung 14.03.2026, 10:30 Uhr", "Rückgabe 17.03.2026, 10:30 Uhr",
			"Tarif: Werkstattersatz Kompakt", "Preis pro Tag 49,99 €", "Inklusive Kilometer pro Tag 200 km",
			"Preis je Mehrkilometer 0,29 €", "Betankung je Achtel Tankfüllung 12,50 €", "Reinigungspauschale 25,00 €",
			"Selbstbeteiligung je Schadensfall 1.000,00 €", "Kaution 300,00 €", "Alle Preise inkl. 19 % Umsatzsteuer.",
			"Mietbedingungen", "§ 1 Das Fahrzeug ist in dem Zustand zurückzugeben",
		}},
		{document.English, []string{
			"Rental contract MV-2026-000123", "Lessor", "Renter", "born 17 May 1980",
			"Driving licence B072RRE2I55, classes B, BE, issued 1 Jun 1998 (DE)", "checked by Bärbel Weiß on 14 Mar 2026, 10:30",
			"Pickup 14 Mar 2026, 10:30", "Return 17 Mar 2026, 10:30", "Price per day €49.99", "Deposit €300.00",
			"Deductible per damage event €1,000.00", "All prices include 19% VAT.", "Terms and conditions",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			b, err := New().Contract(context.Background(), contractDoc(tt.lang))
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, pdfText(t, b), tt.want...)
		})
	}
}

func TestContractPDFValidation(t *testing.T) {
	d := contractDoc(document.German)
	d.Number, d.To = "", d.From.AddDate(0, 0, -1)
	_, err := New().Contract(context.Background(), d)
	e, ok := errs.As(err)
	if !ok || !errs.Fields(e.Fields).Has("number") || !errs.Fields(e.Fields).Has("period") {
		t.Fatalf("err = %v; want invalid number and period", err)
	}
}
