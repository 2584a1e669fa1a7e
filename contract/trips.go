package contract

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// Trip is one trip on a red dealer plate as its trip log (Fahrtenbuch,
// § 16 Abs. 2 FZV) lists it: the contract of the test drive or transfer,
// the car, the driver with address, start and end, km at both ends and
// the purpose.
type Trip struct {
	ContractID   int64
	Number       string
	Kind         booking.Kind
	Start        time.Time
	End          *time.Time // nil while the car is out
	Make, Model  string
	VIN          string
	DriverName   string
	DriverStreet string
	DriverCity   string // postal code and town
	KMStart      int64
	KMEnd        *int64 // nil while the car is out
	Purpose      string // what staff entered ("" for none)
	From, To     string // the stations' names
	Plate        string // the red plate's number
}

// Address is the driver's address on one line.
func (t Trip) Address() string {
	return strings.Trim(strings.TrimSpace(t.DriverStreet)+", "+strings.TrimSpace(t.DriverCity), ", ")
}

// TripFilter selects the trips of one plate: those started in
// [From, To), or, when At is set, the one(s) under way at At (handed
// over at or before it and not yet returned).
type TripFilter struct {
	PlateID  int64
	From, To time.Time
	At       time.Time
}

// TripStore reads the trips on red dealer plates.
type TripStore interface {
	// Trips lists the trips of f.PlateID by start. Errors: those of storage.
	Trips(ctx context.Context, f TripFilter) ([]Trip, error)
}

// TripLog is a red dealer plate's trip log of one month.
type TripLog struct {
	Plate fleet.DealerPlate
	Month time.Time // the first of the month, 00:00 at the plate's station
	Trips []Trip
	Loc   *time.Location
}

// TripLog returns the trips of dealer plate plateID started in the month
// of month (at the plate's station's time zone). Errors: KindNotFound
// (plate), KindUnavailable without a trip store.
func (s *Service) TripLog(ctx context.Context, plateID int64, month time.Time) (TripLog, error) {
	var l TripLog
	if s.d.Plates == nil || s.d.Trips == nil {
		return l, errs.New(errs.KindUnavailable, "plates_unavailable")
	}
	p, err := s.d.Plates.DealerPlate(ctx, plateID)
	if err != nil {
		return l, err
	}
	// the month runs in the plate's station's time zone (the tenant's
	// default, Europe/Berlin, when the reader may not see that station)
	l.Plate, l.Loc = p, tenancy.Station{}.Location()
	if st, err := s.d.Tenancy.Station(ctx, p.StationID); err == nil {
		l.Loc = st.Location()
	}
	m := month.In(l.Loc)
	l.Month = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, l.Loc)
	l.Trips, err = s.d.Trips.Trips(ctx, TripFilter{PlateID: p.ID, From: l.Month, To: l.Month.AddDate(0, 1, 0)})
	return l, err
}

// TripPurpose is the purpose column of a trip in lang: the kind, for a
// transfer with its stations, and what staff entered.
func TripPurpose(lang locale.Lang, t Trip) string {
	s := lang.T(locale.Key("kind." + string(t.Kind.Or())))
	if t.Kind == booking.KindTransfer {
		s += " " + t.From + " → " + t.To
	}
	if t.Purpose != "" {
		s += ": " + t.Purpose
	}
	return s
}

// TripLogPDF renders the trip log of plateID for the month of month in
// lang, as the authority asks for it. Errors: those of TripLog and the
// renderer.
func (s *Service) TripLogPDF(ctx context.Context, plateID int64, month time.Time, lang locale.Lang) ([]byte, TripLog, error) {
	l, err := s.TripLog(ctx, plateID, month)
	if err != nil {
		return nil, l, err
	}
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return nil, l, err
	}
	b := Branding(tn)
	keeper := strings.Join(append([]string{tn.LegalName}, tn.Street, strings.TrimSpace(tn.PostalCode+" "+tn.City)), ", ")
	validity := lang.T("plate.valid_from_date", locale.Params{"from": dateOf(l.Plate.ValidFrom)})
	if l.Plate.ValidTo != "" {
		validity = lang.T("plate.valid_range", locale.Params{"from": dateOf(l.Plate.ValidFrom), "to": dateOf(l.Plate.ValidTo)})
	}
	doc := document.TripLogDoc{Lang: lang, Location: l.Loc, Branding: b, Created: s.d.Now(),
		Title: lang.T("plate.log_title", l.Plate.Number),
		Facts: [][2]string{{lang.T("plate.number"), l.Plate.Number}, {lang.T("plate.keeper"), strings.Trim(keeper, ", ")},
			{lang.T("plate.validity"), validity}, {lang.T("plate.month"), lang.MonthYear(l.Month)}},
		Columns: [8]string{lang.T("plate.col.date"), lang.T("plate.col.car"), lang.T("plate.col.driver"), lang.T("plate.col.start"),
			lang.T("plate.col.end"), lang.T("plate.col.km_start"), lang.T("plate.col.km_end"), lang.T("plate.col.purpose")},
		Empty: lang.T("plate.no_trips")}
	for _, t := range l.Trips {
		start := t.Start.In(l.Loc)
		end, kmEnd := "", ""
		if t.End != nil {
			e := t.End.In(l.Loc)
			end = e.Format("15:04")
			if e.Format("2006-01-02") != start.Format("2006-01-02") {
				end = e.Format("02.01. 15:04")
			}
		}
		if t.KMEnd != nil {
			kmEnd = lang.Number(*t.KMEnd)
		}
		doc.Rows = append(doc.Rows, [8]string{start.Format("02.01.2006"), strings.TrimSpace(t.Make+" "+t.Model) + "\n" + t.VIN,
			strings.TrimSpace(t.DriverName + "\n" + t.DriverStreet + "\n" + t.DriverCity), start.Format("15:04"), end, lang.Number(t.KMStart), kmEnd, TripPurpose(lang, t)})
	}
	pdf, err := s.d.Renderer.TripLog(ctx, doc)
	return pdf, l, err
}

// dateOf is a "YYYY-MM-DD" date as a locale date parameter.
func dateOf(d string) locale.Date {
	t, _ := time.Parse("2006-01-02", d)
	return locale.Date(t)
}

// PlateTripsAt finds the red dealer plate numbered number (compared
// without spaces and hyphens) and the trips under way on it at at — for
// the fines search. found is false when no plate has the number.
func (s *Service) PlateTripsAt(ctx context.Context, number string, at time.Time) (fleet.DealerPlate, []Trip, bool, error) {
	if s.d.Plates == nil || s.d.Trips == nil {
		return fleet.DealerPlate{}, nil, false, nil
	}
	ps, err := s.d.Plates.ListDealerPlates(ctx)
	if err != nil {
		return fleet.DealerPlate{}, nil, false, err
	}
	want := fleet.NormPlate(number)
	for _, p := range ps {
		if fleet.NormPlate(p.Number) == want {
			trips, err := s.d.Trips.Trips(ctx, TripFilter{PlateID: p.ID, At: at})
			return p, trips, true, err
		}
	}
	return fleet.DealerPlate{}, nil, false, nil
}
