package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/invoice"
)

// Movements are one station's pickups and returns on one day.
type Movements struct {
	StationID      int64
	StationName    string
	PlannedPickups int // bookings with a pickup that day (confirmed, active or completed)
	Pickups        int // handovers done that day
	PlannedReturns int // contracts and bookings due back that day
	Returns        int // returns done that day
}

// OpenItem is a contract whose final charge is still open.
type OpenItem struct {
	ContractID   int64
	Number       string
	StationName  string
	CustomerName string
	EndedAt      *time.Time
	OpenCents    int64
}

// Revenue is what one station billed in one month (gross cents: invoices
// minus credit notes, finals with what they still charged).
type Revenue struct {
	StationID   int64
	StationName string
	Month       string // YYYY-MM in the tenant's default zone (Europe/Berlin)
	GrossCents  int64
	NetCents    int64
	Documents   int
}

// Utilisation is how long a vehicle was taken by bookings in a period.
type Utilisation struct {
	VehicleID    int64
	Plate        string
	CategoryID   int64
	CategoryCode string
	BookedHours  float64
	PeriodHours  float64
}

// Percent is BookedHours / PeriodHours in percent.
func (u Utilisation) Percent() float64 {
	if u.PeriodHours == 0 {
		return 0
	}
	return 100 * u.BookedHours / u.PeriodHours
}

// Reports are the report queries, scoped like everything else by the actor.
type Reports interface {
	DailyMovements(ctx context.Context, dayStart, dayEnd time.Time) ([]Movements, error)
	OpenItems(ctx context.Context) ([]OpenItem, error)
	RevenueByStationMonth(ctx context.Context, from, to time.Time, loc *time.Location) ([]Revenue, error)
	UtilisationByVehicle(ctx context.Context, from, to time.Time) ([]Utilisation, error)
	RevenueByPayerMonth(ctx context.Context, from, to time.Time, loc *time.Location) ([]PayerRevenue, error)
	ManufacturerClaims(ctx context.Context, from, to time.Time, loc *time.Location) ([]Claim, error)
}

// PayerRevenue is what one payer — or the drivers themselves, PayerID 0 —
// was invoiced in one month, counted from the issued documents as
// RevenueByStationMonth counts them, and the rental days those documents
// bill.
type PayerRevenue struct {
	PayerID    int64  // 0: the drivers (the rentals' own customers)
	PayerName  string // "" for the drivers
	PayerKind  string // payer.Kind…; "" for the drivers
	Month      string // YYYY-MM in the report's zone
	Documents  int
	RentalDays int // the days of the rent lines of finals, invoices and payer invoices, minus those credited
	NetCents   int64
	GrossCents int64
}

// Claim is one line of a manufacturer programme's claim: an invoice issued
// to the programme (a credit note correcting one: negative), with the
// rental and the customer's car it was for.
type Claim struct {
	PayerID        int64
	Programme      string // the payer's name
	Month          string // YYYY-MM of the invoice in the report's zone
	InvoiceNumber  string
	IssuedAt       time.Time
	CreditNote     bool
	ContractNumber string
	WorkshopRef    string // the workshop order
	CustomerVIN    string // the customer's car (the cover's)
	CustomerPlate  string
	Vehicle        string    // the replacement car's plate
	From, To       time.Time // handover and return of the rental
	Days           int       // the rental days the invoice bills the programme
	NetCents       int64
	GrossCents     int64
}

// Billed is what billing charged a returned contract, read back from its
// final invoice (the one source once it is issued): the rental days and
// extra km it bills, the km driven by the protocols, the km included by
// the terms, and the invoice.
type Billed struct {
	Days              int
	DrivenKM          int64
	IncludedKM        int64
	ExtraKM           int64
	FinalID           int64
	FinalNumber       string
	FinalGross        int64
	FinalDue          int64
	CompensationCents int64 // damage settlements issued with it
}

// Billed returns what the final invoice of contract id billed; ok false
// while it has none. Errors: KindNotFound.
func (s *Service) Billed(ctx context.Context, id int64) (b Billed, ok bool, err error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return b, false, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return b, false, err
	}
	for _, d := range m.docs {
		switch {
		case d.Kind == invoice.KindFinal && d.ContractID == c.ID:
			b.FinalID, b.FinalNumber, b.FinalGross, b.FinalDue, ok = d.ID, d.Number, d.Gross, d.Due, true
		case d.Kind == invoice.KindStandalone && d.NotSubject && d.ContractID == c.ID && ok:
			b.CompensationCents += d.Gross
		}
	}
	// a payer's cover: the days and km billed are split between the
	// payer's invoice and the driver's final invoice (none for internal use)
	var billedIDs []int64
	if ok {
		billedIDs = append(billedIDs, b.FinalID)
	}
	for _, d := range m.payerDocs {
		if d.ContractID == c.ID && d.Kind == invoice.KindStandalone && !d.NotSubject {
			billedIDs = append(billedIDs, d.ID)
		}
	}
	// the days and km billed are the bill's, as billing computes it from the
	// protocols (whoever pays which part, and after a correction: the
	// documents then add corrections, not days); a collective payer's
	// share waits for (or is on) its collective invoice
	var bill []invoice.Line
	collective := false
	if (c.Status == StatusBilled || c.Status == StatusPaymentOpen || c.Status == StatusClosed) && c.Kind.Billed() {
		if x, err := s.load(ctx, c); err == nil {
			if fb, err := s.finalBill(ctx, x); err == nil {
				bill, collective = fb.bill.Lines, fb.split.Collective()
			}
		}
	}
	if len(billedIDs) == 0 && !collective {
		return b, false, nil
	}
	ok = true
	countLines := func(lines []invoice.Line) {
		rent := false
		for i, l := range lines {
			switch {
			case l.Kind == billing.KindRent || i == 0 && l.Kind == "": // the rent is billed first (also before line kinds were stored)
				if !rent {
					b.Days += int(l.QuantityMilli / 1000)
					rent = true
				}
			case l.Kind == billing.KindExtraKM:
				b.ExtraKM += l.QuantityMilli / 1000
			}
		}
	}
	if bill != nil {
		countLines(bill)
	} else { // a contract billed before its protocols could be read back
		for _, id := range billedIDs {
			doc, err := s.d.Store.IssuedInvoice(ctx, id)
			if err != nil {
				return b, false, err
			}
			countLines(doc.Invoice.Lines)
		}
	}
	ps, err := s.d.Store.Protocols(ctx, c.ID)
	if err != nil {
		return b, false, err
	}
	var out, back int64
	for _, p := range ps {
		switch p.Kind {
		case KindHandover:
			out = p.OdometerKM
		case KindReturn:
			back = p.OdometerKM
		}
	}
	b.DrivenKM = max(back-out, 0)
	b.IncludedKM = int64(b.Days) * int64(c.Terms.IncludedKMPerDay)
	return b, true, nil
}
