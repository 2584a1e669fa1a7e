package xrechnung

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("tzdata: %v", err)
	}
	return loc
}

func branding() document.Branding {
	return document.Branding{LegalName: "Autohaus König GmbH",
		Address: invoice.Address{Street: "Königsallee 12", PostalCode: "20095", City: "Hamburg", Country: "DE"},
		Phone:   "+49 40 1234567", Email: "buchhaltung@autohaus-koenig.de", VATID: "DE123456789", TaxNumber: "22/123/45678",
		RegisterCourt: "Amtsgericht Hamburg", RegisterNumber: "HRB 12345", ManagingDirectors: []string{"Jörg König"},
		BankName: "Hamburger Sparkasse", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "HASPDEHHXXX"}
}

func parties() (invoice.Party, invoice.Party) {
	b := branding()
	return invoice.Party{Name: b.LegalName, Address: b.Address, VATID: b.VATID, TaxNumber: b.TaxNumber},
		invoice.Party{Name: "Süddeutsche Flottenversicherung AG", VATID: "DE987654321",
			Address: invoice.Address{Street: "Große Bleichen 7", Extra: "Schadenabteilung", PostalCode: "80331", City: "München", Country: "DE"}}
}

// advanceInput is the first day's rent charged at booking (386, paid by card).
func advanceInput(t *testing.T) Input {
	loc := berlin(t)
	sup, rec := parties()
	inv := invoice.Invoice{Kind: invoice.KindAdvance, Number: "RE-2026-000041", Currency: "EUR",
		IssueDate:     time.Date(2026, 12, 1, 9, 30, 0, 0, loc),
		ServicePeriod: invoice.Period{From: time.Date(2026, 12, 7, 8, 0, 0, 0, loc), To: time.Date(2026, 12, 11, 18, 0, 0, 0, loc)},
		Supplier:      sup, Recipient: rec, Note: "Buchung B-2026-0815.",
		Payment: invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"},
		Lines: []invoice.Line{{Description: "Anzahlung Miete 1 Tag Kompaktklasse (CDMR), Buchung B-2026-0815",
			QuantityMilli: 1000, Unit: "day", UnitGross: 4999, VATRateBP: 1900}}}
	return Input{Doc: document.InvoiceDoc{Lang: document.German, Location: loc, Branding: branding(), Invoice: inv},
		BuyerEmail: "schaden@sueddeutsche-flotte.de", BookingNumber: "B-2026-0815"}
}

// finalInput deducts the advance: 4.5 days, extra km, refuelling, a discount;
// 14 days to pay by transfer.
func finalInput(t *testing.T) Input {
	adv := advanceInput(t)
	loc := adv.Doc.Location
	inv := adv.Doc.Invoice
	inv.Kind, inv.Number, inv.IssueDate = invoice.KindFinal, "RE-2026-000057", time.Date(2026, 12, 11, 18, 40, 0, 0, loc)
	inv.Note = "Mietvertrag MV-2026-0815"
	inv.Lines = []invoice.Line{
		{Description: "Miete Kompaktklasse (CDMR) Volkswagen Golf, HH-AK 815", QuantityMilli: 4500, Unit: "day", UnitGross: 4999, VATRateBP: 1900},
		{Description: "Mehrkilometer über 1.000 km Inklusivleistung", QuantityMilli: 137_000, Unit: "km", UnitGross: 29, VATRateBP: 1900},
		{Description: "Betankung 3/8 Tank", QuantityMilli: 3000, Unit: "eighth", UnitGross: 1333, VATRateBP: 1900},
		{Description: "Nachlass Stammkunde", QuantityMilli: 1000, Unit: "piece", UnitGross: -1000, VATRateBP: 1900},
	}
	inv.Advances = []invoice.Advance{invoice.AsAdvance(adv.Doc.Invoice)}
	inv.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}
	adv.Doc.Invoice = inv
	adv.OrderReference = "Schaden 2026/4711-Ü"
	adv.ContractNumber = "MV-2026-0815"
	return adv
}

// creditInput refunds part of the final invoice to the card (381).
func creditInput(t *testing.T) Input {
	fin := finalInput(t)
	loc := fin.Doc.Location
	inv := fin.Doc.Invoice
	corrects := &invoice.Reference{Number: inv.Number, IssueDate: inv.IssueDate}
	inv = invoice.Invoice{Kind: invoice.KindCreditNote, Number: "GS-2026-000003", Currency: "EUR",
		IssueDate: time.Date(2026, 12, 14, 10, 5, 0, 0, loc), ServicePeriod: inv.ServicePeriod,
		Supplier: inv.Supplier, Recipient: inv.Recipient, Corrects: corrects, Note: "Mietvertrag MV-2026-0815",
		Lines: []invoice.Line{{Description: "Gutschrift Mehrkilometer (Tachostand korrigiert), Rückerstattung auf Karte",
			QuantityMilli: 37_000, Unit: "km", UnitGross: 29, VATRateBP: 1900}},
		Payment: invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}}
	fin.Doc.Invoice = inv
	return fin
}

// claimInput is a damage settlement: genuine damage compensation, not
// subject to VAT (category O), charged to the card.
func claimInput(t *testing.T) Input {
	fin := finalInput(t)
	inv := fin.Doc.Invoice
	inv = invoice.Invoice{Kind: invoice.KindStandalone, Number: "RE-2026-000058", Currency: "EUR",
		IssueDate: inv.IssueDate, ServicePeriod: inv.ServicePeriod, Supplier: inv.Supplier, Recipient: inv.Recipient,
		Note: "Mietvertrag MV-2026-0815",
		Lines: []invoice.Line{{Description: "Schaden: Kratzer Tür hinten links", QuantityMilli: 1000, Unit: "piece", UnitGross: 25000,
			TaxCategory: invoice.CategoryNotSubject, Kind: "damage"}},
		Payment: invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}}
	fin.Doc.Invoice = inv
	return fin
}
