package demo

import (
	"context"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/payer"
)

// payers are the demo tenant's payers, one of each kind (issue 17): an
// insurer for accident replacement cars with agreed daily rates, a
// manufacturer's mobility programme capped at three days, a leasing
// customer billed by monthly collective invoice and the workshop's own
// cost centre for courtesy cars.
func payers(categoryIDs map[string]int64) []payer.Payer {
	rate := func(code string, cents int64) payer.Rate {
		return payer.Rate{CategoryID: categoryIDs[code], PricePerDayCents: cents}
	}
	parts := func(ps ...string) map[string]bool {
		m := map[string]bool{}
		for _, p := range ps {
			m[p] = true
		}
		return m
	}
	return []payer.Payer{
		{Kind: payer.KindInsurer, Name: "Bayerische Haftpflicht Versicherung AG", Street: "Maximilianstraße 12", PostalCode: "80539",
			City: "München", Country: "DE", VATID: "DE811191545", BuyerReference: "Kfz-Schaden Süd", Email: "kfz-schaden@bhv.example", PaymentDays: 30, CapDays: 14,
			Covers: parts(payer.PartRent, payer.PartKM, payer.PartDamages, payer.PartCleaning),
			Rates:  []payer.Rate{rate("EDMN", 4900), rate("CDMR", 5900), rate("IDAR", 7900), rate("FWAR", 6900)}, Active: true},
		{Kind: payer.KindManufacturer, Name: "Mobilitätsgarantie Süd-Import GmbH", Street: "Berliner Ring 2", PostalCode: "38440",
			City: "Wolfsburg", Country: "DE", VATID: "DE291584709", BuyerReference: "MOBI-DE-4711", Email: "garantie@sued-import.example", PaymentDays: 45, CapDays: 3,
			Covers: parts(payer.PartRent, payer.PartKM), Rates: []payer.Rate{rate("CDMR", 3900)}, Active: true},
		{Kind: payer.KindFleet, Name: "Ostbayern Leasing GmbH", Street: "Donaustaufer Straße 200", PostalCode: "93059",
			City: "Regensburg", Country: "DE", VATID: "DE274589306", BuyerReference: "LEAS-KOENIG", Email: "rechnung@ostbayern-leasing.example", PaymentDays: 14,
			Covers: parts(payer.PartRent, payer.PartKM, payer.PartCleaning, payer.PartFees), Active: true, Collective: true},
		{Kind: payer.KindCostCentre, Name: "Werkstatt 4100 (Kulanz)", Country: "DE", PaymentDays: 0,
			Covers: parts(payer.PartRent, payer.PartKM, payer.PartFuel, payer.PartCleaning), Active: true},
	}
}

// ensurePayers creates the demo payers a former start did not create.
func ensurePayers(ctx context.Context, st *store.Store, categoryIDs map[string]int64) error {
	have, err := st.ListPayers(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, p := range have {
		known[p.Name] = true
	}
	for _, p := range payers(categoryIDs) {
		if known[p.Name] {
			continue
		}
		if err := st.CreatePayer(ctx, &p); err != nil {
			return err
		}
	}
	return nil
}
