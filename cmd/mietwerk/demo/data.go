package demo

import (
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// Slug identifies the demo tenant; Seed finds an existing one by it.
const Slug = "autohaus-koenig"

// AdminEmail is the demo administrator's login.
const AdminEmail = "admin@autohaus-koenig.de"

func tenant() tenancy.Tenant {
	t := tenancy.Tenant{
		Slug:              Slug,
		Name:              "Autohaus König",
		LegalName:         "Autohaus König GmbH & Co. KG",
		Street:            "Straubinger Straße 112",
		PostalCode:        "93055",
		City:              "Regensburg",
		Country:           "DE",
		Phone:             "+49 941 4629100",
		Email:             "info@autohaus-koenig.de",
		Website:           "https://www.autohaus-koenig.de",
		VATID:             "DE813348579",
		TaxNumber:         "244/170/52318",
		RegisterCourt:     "Amtsgericht Regensburg",
		RegisterNumber:    "HRA 9187",
		ManagingDirectors: "persönlich haftende Gesellschafterin: König Verwaltungs-GmbH (Amtsgericht Regensburg, HRB 14522), vertreten durch die Geschäftsführer Thomas König und Sabine König-Huber",
		BankName:          "Sparkasse Regensburg",
		IBAN:              "DE02750500000000760154",
		BIC:               "BYLADEM1RBG",
		DefaultLanguage:   "de",
		Currency:          "EUR",
		VATRateBP:         1900,
		MailFrom:          "vermietung@autohaus-koenig.de",
		MailReplyTo:       "vermietung@autohaus-koenig.de",
		OneWayAllowed:     true,
		CancelFeeCents:    2500,
		// a test drive costs 15,00 €, invoiced at the return and paid at the counter
		TestDriveFeeCents: 1500,
		// simulator mode without credentials of its own: payments go to the
		// simulator with the simulator's credentials, out of the box (and
		// nothing secret is stored)
		Gateway: tenancy.GatewaySettings{Mode: "simulator", StoreID: telecashsim.DefaultStoreID},
	}
	t.Defaults()
	return t
}

// stationDef is a demo station with its district code for plates and the
// number block its vehicles' plates use.
type stationDef struct {
	tenancy.Station
	district string // plate district code: REG, SR, LA
	plateNo  int    // first plate number of the station's block
	user     userDef
}

type userDef struct{ email, name string }

func weeklyHours() tenancy.WeeklyHours {
	weekday := []tenancy.Span{{Open: 7*60 + 30, Close: 18 * 60}}
	var w tenancy.WeeklyHours
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = weekday
	}
	w[time.Saturday] = []tenancy.Span{{Open: 8 * 60, Close: 12 * 60}}
	return w
}

func stations() []stationDef {
	mk := func(code, name, street, zip, city, phone, email string) tenancy.Station {
		return tenancy.Station{
			Code: code, Name: name, Street: street, PostalCode: zip, City: city, Country: "DE",
			Phone: phone, Email: email, TimeZone: "Europe/Berlin", Hours: weeklyHours(),
			Exceptions: holidayExceptions(2026, 2027), MailFrom: email, MailReplyTo: email, Active: true,
		}
	}
	return []stationDef{
		{Station: mk("REG", "Autohaus König Regensburg", "Straubinger Straße 112", "93055", "Regensburg",
			"+49 941 4629100", "regensburg@autohaus-koenig.de"),
			district: "REG", plateNo: 101, user: userDef{"station.regensburg@autohaus-koenig.de", "Anna Berger"}},
		{Station: mk("SR", "Autohaus König Straubing", "Landshuter Straße 71", "94315", "Straubing",
			"+49 9421 784500", "straubing@autohaus-koenig.de"),
			district: "SR", plateNo: 201, user: userDef{"station.straubing@autohaus-koenig.de", "Markus Huber"}},
		{Station: mk("LA", "Autohaus König Landshut", "Siemensstraße 14", "84030", "Landshut",
			"+49 871 9627300", "landshut@autohaus-koenig.de"),
			district: "LA", plateNo: 301, user: userDef{"station.landshut@autohaus-koenig.de", "Julia Wimmer"}},
	}
}

func categories() []fleet.Category {
	return []fleet.Category{
		{Code: "EDMN", NameDE: "Kleinwagen", NameEN: "Economy",
			DescriptionDE: "Sparsamer Fünftürer für die Stadt, Schaltgetriebe, Platz für 4–5 Personen.",
			DescriptionEN: "Economical five-door car for town, manual gearbox, room for 4–5 people.",
			Seats:         5, Doors: 5, Transmission: "manual", Fuel: "petrol", ExampleModel: "VW Polo oder ähnlich", SortOrder: 10, Active: true},
		{Code: "CDMR", NameDE: "Kompaktklasse", NameEN: "Compact",
			DescriptionDE: "Kompakter Fünftürer mit Klimaanlage und Schaltgetriebe – der typische Werkstattersatzwagen.",
			DescriptionEN: "Compact five-door car with air conditioning and manual gearbox – the typical workshop replacement car.",
			Seats:         5, Doors: 5, Transmission: "manual", Fuel: "petrol", ExampleModel: "VW Golf oder ähnlich", SortOrder: 20, Active: true},
		{Code: "IDAR", NameDE: "Mittelklasse Automatik", NameEN: "Intermediate automatic",
			DescriptionDE: "Komfortable Limousine mit Automatikgetriebe, Navigationssystem und Klimaautomatik.",
			DescriptionEN: "Comfortable saloon with automatic gearbox, navigation and climate control.",
			Seats:         5, Doors: 4, Transmission: "automatic", Fuel: "diesel", ExampleModel: "Audi A4 Limousine oder ähnlich", SortOrder: 30, Active: true},
		{Code: "FWAR", NameDE: "Kombi / SUV Automatik", NameEN: "Estate / SUV automatic",
			DescriptionDE: "Geräumiger Kombi oder SUV mit Automatik und großem Kofferraum, ideal für Familie und Gepäck.",
			DescriptionEN: "Roomy estate or SUV with automatic gearbox and a large boot, ideal for family and luggage.",
			Seats:         5, Doors: 5, Transmission: "automatic", Fuel: "diesel", ExampleModel: "VW Passat Variant oder ähnlich", SortOrder: 40, Active: true},
	}
}

// model is a car model of the demo fleet. A VIN is vinPrefix (9 characters:
// manufacturer code, descriptor, filler) + model-year code + plant code + a
// six-digit serial.
type model struct {
	category  string
	make      string
	model     string
	vinPrefix string
	plant     byte
	fuel      string
	tank      int
	electric  bool
	battery   int // usable kWh of an electric or plug-in car
}

var models = []model{
	{"EDMN", "Volkswagen", "Polo 1.0 TSI", "WVWZZZAWZ", 'Y', "petrol", 40, false, 0},
	{"EDMN", "Škoda", "Fabia 1.0 TSI", "TMBEP6PJZ", 'X', "petrol", 40, false, 0},
	{"EDMN", "SEAT", "Ibiza 1.0 TSI", "VSSZZZKJZ", 'R', "petrol", 40, false, 0},
	{"CDMR", "Volkswagen", "Golf 1.5 eTSI", "WVWZZZCDZ", 'W', "petrol", 50, false, 0},
	{"CDMR", "SEAT", "Leon 1.5 eTSI", "VSSZZZKLZ", 'R', "petrol", 50, false, 0},
	{"CDMR", "Volkswagen", "ID.3 Pro", "WVWZZZE1Z", 'Z', "electric", 0, true, 58},
	{"IDAR", "Audi", "A4 Limousine 35 TDI S tronic", "WAUZZZF4Z", 'A', "diesel", 54, false, 0},
	{"IDAR", "BMW", "320d Limousine Steptronic", "WBA5V7109", 'F', "diesel", 59, false, 0},
	{"FWAR", "Volkswagen", "Passat Variant 2.0 TDI DSG", "WVWZZZCJZ", 'E', "diesel", 66, false, 0},
	{"FWAR", "Volkswagen", "Tiguan 2.0 TDI DSG", "WVGZZZCTZ", 'W', "diesel", 58, false, 0},
	{"FWAR", "Škoda", "Superb Combi 2.0 TDI DSG", "TMBJB9NPZ", 'X', "diesel", 66, false, 0},
}

var colors = []string{"Reflexsilber", "Mondsteingrau", "Schwarz Perleffekt", "Reinweiß", "Atlantikblau", "Kings Red"}

// modelYearCode is the VIN position-10 code of model years 2022–2026.
var modelYearCode = map[int]byte{2022: 'N', 2023: 'P', 2024: 'R', 2025: 'S', 2026: 'T'}

// vehicles returns the demo fleet of one station: ten cars (three economy,
// three compact, two intermediate, two estate/SUV) with plates of the
// station's district, VINs, registrations, inspections and odometers. n is
// the station's index (0, 1, 2) and keeps VINs unique across stations.
func vehicles(st stationDef, n int) []vehicleDef {
	perCategory := []struct {
		code  string
		count int
	}{{"EDMN", 3}, {"CDMR", 3}, {"IDAR", 2}, {"FWAR", 2}}
	var out []vehicleDef
	i := 0
	for _, pc := range perCategory {
		var ms []model
		for _, m := range models {
			if m.category == pc.code {
				ms = append(ms, m)
			}
		}
		for k := 0; k < pc.count; k++ {
			m := ms[(k+n)%len(ms)]
			year := 2023 + (i+n)%3 // 2023–2025
			month := 1 + (i*5+n*3)%12
			day := 1 + (i*7+n*11)%28
			first := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
			ageMonths := (2026-year)*12 + 11 - month + 1
			plate := fmt.Sprintf("%s-AK %d", st.district, st.plateNo+i)
			if m.electric {
				plate += "E"
			}
			v := fleet.Vehicle{
				Plate:               plate,
				VIN:                 fmt.Sprintf("%s%c%c%06d", m.vinPrefix, modelYearCode[year], m.plant, 100000+(n*100+i)*7919%900000),
				Make:                m.make,
				Model:               m.model,
				Color:               colors[(i+n)%len(colors)],
				FuelType:            m.fuel,
				TankLitres:          m.tank,
				BatteryKWh:          m.battery,
				OdometerKM:          int64(ageMonths*1350 + (i*2711+n*977)%4000),
				FuelEighths:         8,
				Cleanliness:         "clean",
				Status:              "available",
				FirstRegistration:   first.Format("2006-01-02"),
				NextInspection:      nextHU(first),
				SelfDriveRegistered: true,
			}
			switch i {
			case 4:
				v.FuelEighths, v.Cleanliness = 5, "normal"
			case 9:
				v.Status = "workshop"
				v.Notes = "Inspektion und Bremsen vorn, zurück voraussichtlich Ende der Woche"
			}
			out = append(out, vehicleDef{Vehicle: v, station: st.Code, category: pc.code})
			i++
		}
	}
	return out
}

type vehicleDef struct {
	fleet.Vehicle
	station, category string
}

// tariffDef is a tariff with its categories by code.
type tariffDef struct {
	pricing.Tariff
	categories []string
}

func tariffs() []tariffDef {
	std := func(code, name string, day int64, km int, extraKM, eighth, litre, cleaning, deposit int64, cat string) tariffDef {
		return tariffDef{Tariff: pricing.Tariff{
			Code: code, Name: name, Kind: "standard", PricePerDayCents: day, IncludedKMPerDay: km,
			ExtraKMCents: extraKM, RefuelPerEighthCents: eighth, RefuelPerLitreCents: litre,
			CleaningFeeCents: cleaning, DepositCents: deposit, DayCounting: "24h", GraceMinutes: 59,
			ChargingRule: pricing.ChargeNone,
			VATRateBP:    1900, ValidFrom: "2026-01-01", Active: true,
		}, categories: []string{cat}}
	}
	compact := std("STD-CDMR", "Standard Kompaktklasse", 4900, 250, 25, 1500, 249, 4900, 40000, "CDMR")
	// the compact class has an electric car (VW ID.3, 58 kWh): charge it
	// comes back without costs 0,59 € per kWh
	compact.ChargingRule, compact.ChargingPriceCents = pricing.ChargePerKWh, 59
	return []tariffDef{
		std("STD-EDMN", "Standard Kleinwagen", 3900, 200, 25, 1200, 249, 3900, 30000, "EDMN"),
		compact,
		std("STD-IDAR", "Standard Mittelklasse Automatik", 6900, 250, 30, 1700, 239, 5900, 50000, "IDAR"),
		std("STD-FWAR", "Standard Kombi / SUV Automatik", 7900, 300, 30, 1900, 239, 5900, 50000, "FWAR"),
		{Tariff: pricing.Tariff{
			Code: "WERKSTATT", Name: "Werkstattersatzwagen", Kind: "workshop",
			PricePerDayCents: 990, IncludedKMPerDay: 100, ExtraKMCents: 20,
			RefuelPerEighthCents: 1500, RefuelPerLitreCents: 249, CleaningFeeCents: 2500,
			ChargingRule: pricing.ChargePerPercent, ChargingPriceCents: 40, // 0,40 € per percentage point
			DepositCents: 10000, DayCounting: "calendar", GraceMinutes: 59, VATRateBP: 1900,
			ValidFrom: "2026-01-01", Active: true,
		}, categories: []string{"EDMN", "CDMR"}},
	}
}

// APIKeyNames name the demo API keys by scope.
var APIKeyNames = map[identity.Scope]string{
	identity.ScopePublic: "Website www.autohaus-koenig.de",
	identity.ScopeSecret: "Server www.autohaus-koenig.de",
	identity.ScopeStaff:  "Tablet-App Übergabe und Rücknahme",
}

// huReference is the day the demo fleet's data describes (its odometers
// are counted up to it).
var huReference = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// nextHU is a car's next HU as a dealership keeps it: the first after 36
// months, then every 24 months, the next one after huReference (a car
// whose HU ran out is the demo day's own example, see SeedDay).
func nextHU(first time.Time) string {
	hu := first.AddDate(3, 0, 0)
	for hu.Before(huReference) {
		hu = hu.AddDate(2, 0, 0)
	}
	return hu.Format("2006-01-02")
}
