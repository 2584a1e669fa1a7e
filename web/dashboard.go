package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/tenancy"
)

// homeMax is the most rows one list of the home screen shows; the list's
// "all" link leads to the full page.
const homeMax = 200

// homeDueDays is how far ahead the home screen warns of HU and service
// dates and of bookings still without a car.
const homeDueDays = 14

// dashboardData is the home screen: today's work of one station (or of all
// the user's stations).
type dashboardData struct {
	Now       time.Time
	Stations  []tenancy.Station
	StationID int64 // 0: all the user's stations
	Today     time.Time
	Tomorrow  time.Time
	// Days are today's and tomorrow's pickups and returns.
	Days []homeDay
	// Overdue are running contracts whose planned return has passed.
	Overdue []contract.Listed
	// RepairDone are running contracts whose workshop order the workshop
	// reported done (the replacement car comes back; when: Repaired).
	RepairDone []contract.Listed
	Repaired   map[int64]time.Time
	// NoCar are bookings to pick up within homeDueDays without a car that
	// can go out (see CarProblem).
	NoCar []booking.ListedRow
	// Settle are returned contracts not yet billed; MoneyOpen are billed
	// contracts with an amount still open.
	Settle, MoneyOpen []contract.Listed
	// NotReady are the cars that need something before the next rental.
	NotReady []carTodo
	// FailedEmails counts the e-mails the outbox gave up on that the user
	// may see; -1 when the application runs without an outbox.
	FailedEmails int
	// Attention lists the items the background jobs failed on (admins).
	Attention []attentionRow
	// DisabledWebhooks counts the webhook endpoints switched off after
	// persistent failures (admins only).
	DisabledWebhooks int
	// Cut is true when a list was longer than homeMax.
	Cut bool
	// cars are the station's cars by id (for CarProblem).
	cars map[int64]fleet.Vehicle
	// Bookings and Contracts say which quick actions the application offers.
	Bookings, Contracts bool
}

// MoneyCount is the number of contracts in the money list.
func (d dashboardData) MoneyCount() int { return len(d.Settle) + len(d.MoneyOpen) }

// homeDay is one day's pickups and returns.
type homeDay struct {
	Day              time.Time
	Key              string // "today", "tomorrow"
	Pickups, Returns []booking.ListedRow
}

// carTodo is a car that is not ready for its next rental, with why.
type carTodo struct {
	fleet.Vehicle
	ToClean, ToInspect bool
	HUOverdue, HUDue   bool // HU date passed / within homeDueDays
	ServiceDue         bool // service date within homeDueDays or passed
}

// StationQuery is the "?station=" suffix of links that keep the chosen station.
func (d dashboardData) StationQuery() string {
	if d.StationID == 0 {
		return ""
	}
	return "?station=" + strconv.FormatInt(d.StationID, 10)
}

// dashboard is the home screen: the work of today and tomorrow at the
// chosen station (?station=ID; all the user's stations without), each row
// with the one action it needs: assign a car, hand over, take back, settle,
// mark a car ready, open.
func (a *app) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := a.Now()
	d := dashboardData{Now: now, Bookings: a.Bookings != nil && a.Contracts != nil && a.ContractData != nil, Contracts: a.Contracts != nil && a.ContractData != nil}
	var err error
	if d.Stations, err = a.Tenancy.ListStations(ctx); err != nil {
		return err
	}
	if sid, err := strconv.ParseInt(r.URL.Query().Get("station"), 10, 64); err == nil {
		for _, st := range d.Stations {
			if st.ID == sid {
				d.StationID = sid
			}
		}
	}
	if len(d.Stations) == 1 {
		d.StationID = d.Stations[0].ID
	}
	local := now.In(berlin)
	d.Today = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, berlin)
	d.Tomorrow = d.Today.AddDate(0, 0, 1)
	if err := a.homeCars(ctx, &d); err != nil {
		return err
	}
	if a.Bookings != nil {
		if err := a.homeBookings(ctx, &d); err != nil {
			return err
		}
	}
	if a.ContractData != nil {
		if err := a.homeContracts(ctx, &d); err != nil {
			return err
		}
	}
	d.FailedEmails = -1
	if a.Mail != nil {
		counts, err := a.Mail.EmailCounts(ctx)
		if err != nil {
			return err
		}
		d.FailedEmails = counts[string(mail.StatusFailed)]
	}
	if actorOf(r).IsAdmin() {
		if a.Attention != nil {
			list, err := a.Attention.ListJobAttention(ctx, 50)
			if err != nil {
				return err
			}
			d.Attention = a.attentionRows(r, list)
		}
		if a.Webhooks != nil {
			if d.DisabledWebhooks, err = a.Webhooks.DisabledEndpoints(ctx); err != nil {
				return err
			}
		}
	}
	v := &view{Title: "dash.title", Nav: "dashboard", Data: d}
	if id, err := strconv.ParseInt(r.URL.Query().Get("ready"), 10, 64); err == nil && a.Fleet != nil {
		if car, err := a.Fleet.Vehicle(ctx, id); err == nil { // after "Bereit melden"
			v.Notice = v.T("home.marked_ready", car.Plate)
		}
	}
	a.render(w, r, http.StatusOK, "dashboard", v)
	return nil
}

// homeBookings fills today's and tomorrow's pickups and returns and the
// bookings without a car.
func (a *app) homeBookings(ctx context.Context, d *dashboardData) error {
	for i, key := range []string{"today", "tomorrow"} {
		day := d.Today.AddDate(0, 0, i)
		rows, total, err := a.Bookings.ReservationRows(ctx, booking.ListQuery{StationID: d.StationID, Day: day, DayEnd: day.AddDate(0, 0, 1), Limit: homeMax})
		if err != nil {
			return err
		}
		d.Cut = d.Cut || total > len(rows)
		hd := homeDay{Day: day, Key: key}
		for _, x := range rows {
			if x.Status == booking.StatusCancelled || x.Status == booking.StatusFailed {
				continue
			}
			switch x.DayKind {
			case booking.DayPickup:
				hd.Pickups = append(hd.Pickups, x)
			case booking.DayReturn:
				hd.Returns = append(hd.Returns, x)
			}
		}
		d.Days = append(d.Days, hd)
	}
	rows, total, err := a.Bookings.ReservationRows(ctx, booking.ListQuery{StationID: d.StationID, Day: d.Today, DayEnd: d.Today.AddDate(0, 0, homeDueDays+1), Status: booking.StatusConfirmed, Limit: homeMax})
	if err != nil {
		return err
	}
	d.Cut = d.Cut || total > len(rows)
	for _, x := range rows {
		if x.DayKind == booking.DayPickup && d.CarProblem(x) != "" {
			d.NoCar = append(d.NoCar, x)
		}
	}
	return nil
}

// CarProblem says why a booking's car cannot go out as it is (the catalog
// key of the reason), "" when it can: no car, the car is in the workshop
// or blocked, its HU or service runs out before the return, or (for
// pickups today and tomorrow) it still waits to be cleaned or inspected.
func (d dashboardData) CarProblem(x booking.ListedRow) string {
	if x.VehicleID == 0 {
		return "bk.no_vehicle"
	}
	c, ok := d.cars[x.VehicleID]
	switch {
	case !ok:
		return ""
	case c.Status != fleet.StatusAvailable:
		return "vehicle.status." + c.Status
	case c.Readiness == fleet.ToClean && x.Pickup.Before(d.Tomorrow.AddDate(0, 0, 1)):
		return "home.to_clean" // later pickups: cleaning is on the list of cars not ready
	case c.Readiness == fleet.ToInspect && x.Pickup.Before(d.Tomorrow.AddDate(0, 0, 1)):
		return "home.to_inspect"
	case c.InspectionDueBy(x.Return.In(berlin).Format("2006-01-02")):
		return "home.due_before_return"
	}
	return ""
}

// RepairedAt is when the workshop reported the repair of contract id's
// workshop order done; nil when it has not.
func (d dashboardData) RepairedAt(id int64) *time.Time {
	if t, ok := d.Repaired[id]; ok {
		return &t
	}
	return nil
}

// homeContracts fills the overdue returns and the contracts with money to
// settle or open.
func (a *app) homeContracts(ctx context.Context, d *dashboardData) error {
	list := func(st contract.Status) ([]contract.Listed, error) {
		rows, total, err := a.ContractData.ListContracts(ctx, contract.Filter{StationID: d.StationID, Status: st, Limit: homeMax})
		d.Cut = d.Cut || total > len(rows)
		return rows, err
	}
	open, err := list(contract.StatusOpen)
	if err != nil {
		return err
	}
	if d.Repaired, err = a.ContractData.WorkshopDone(ctx); err != nil {
		return err
	}
	for _, c := range open {
		if c.PlannedEnd.Before(d.Now) {
			d.Overdue = append(d.Overdue, c)
		} else if _, ok := d.Repaired[c.ID]; ok {
			d.RepairDone = append(d.RepairDone, c)
		}
	}
	if d.Settle, err = list(contract.StatusReturned); err != nil {
		return err
	}
	d.MoneyOpen, err = list(contract.StatusPaymentOpen)
	return err
}

// homeCars fills the cars that are not ready: to clean or inspect after a
// return, HU or service due within homeDueDays, open damages.
func (a *app) homeCars(ctx context.Context, d *dashboardData) error {
	if a.Fleet == nil {
		return nil
	}
	cars, total, err := a.Fleet.ListVehicles(ctx, fleet.VehicleFilter{StationID: d.StationID, Limit: 500})
	if err != nil {
		return err
	}
	d.Cut = d.Cut || total > len(cars)
	today := d.Today.Format("2006-01-02")
	soon := d.Today.AddDate(0, 0, homeDueDays).Format("2006-01-02")
	d.cars = make(map[int64]fleet.Vehicle, len(cars))
	for _, v := range cars {
		d.cars[v.ID] = v
		if v.Status == fleet.StatusRetired {
			continue
		}
		c := carTodo{Vehicle: v,
			ToClean:    v.Readiness == fleet.ToClean,
			ToInspect:  v.Readiness == fleet.ToInspect,
			HUOverdue:  v.NextInspection != "" && v.NextInspection < today,
			HUDue:      v.NextInspection != "" && v.NextInspection >= today && v.NextInspection <= soon,
			ServiceDue: v.NextService != "" && v.NextService <= soon,
		}
		if c.ToClean || c.ToInspect || c.HUOverdue || c.HUDue || c.ServiceDue || v.OpenDamages > 0 {
			d.NotReady = append(d.NotReady, c)
		}
	}
	return nil
}
