package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

// vehiclePageData is everything the vehicle page shows: the master-data
// form, blocking periods (and bookings, read-only), open and repaired
// damages on the diagram, and the condition history.
type vehiclePageData struct {
	Vehicle     fleet.Vehicle
	Form        vehicleForm
	StationName string
	Category    string
	Allocs      []fleet.Allocation
	// Current and Next are the car's rental now and its next one (nil: none).
	Current, Next *booking.Row
	Block         blockForm
	Damages       []fleet.Damage
	Damage        damageEntry
	RepairID      int64 // damage whose repair form has the errors
	Conditions    []fleet.Condition
	Views         []diagramView
	Kinds         []string
	Severities    []string
	loc           *time.Location
	// CanStartUse: the test drive, internal use and transfer buttons show
	// (the contract pages are mounted).
	CanStartUse bool
}

// blockForm is the "add blocking period" form as typed.
type blockForm struct{ Kind, From, To, Note string }

// damageEntry is the "new damage" form as typed.
type damageEntry struct {
	View, X, Y, Kind, Severity, Description string
}

// diagramView is one view of the car diagram and its SVG size.
type diagramView struct {
	Key  string
	W, H int
}

var diagramViews = []diagramView{{"top", 200, 100}, {"left", 200, 100}, {"right", 200, 100}, {"front", 100, 100}, {"rear", 100, 100}}

// marker is one damage drawn on a view.
type marker struct {
	N        int
	ID       int64
	CX, CY   float64
	Severity string
}

// Markers returns the open damages on view v, numbered as in the list.
func (d *vehiclePageData) Markers(v diagramView) []marker {
	var out []marker
	for i, dm := range d.Damages {
		if dm.View == v.Key && dm.Open() {
			out = append(out, marker{N: i + 1, ID: dm.ID, CX: dm.X * float64(v.W) / 100, CY: dm.Y * float64(v.H) / 100, Severity: dm.Severity})
		}
	}
	return out
}

// OpenDamages counts the open damages.
func (d *vehiclePageData) OpenDamages() int {
	n := 0
	for _, dm := range d.Damages {
		if dm.Open() {
			n++
		}
	}
	return n
}

// Local renders t in the vehicle station's time zone.
func (d *vehiclePageData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// Day renders the day of t in the station's time zone ("14.03.2026" / "14 Mar 2026").
func (d *vehiclePageData) Day(v *view, t time.Time) string {
	return locale.Lang(v.Lang).Date(t.In(d.loc))
}

// LastDay renders the last day of a period ending (exclusively) at end.
func (d *vehiclePageData) LastDay(v *view, end time.Time) string {
	return d.Day(v, end.Add(-time.Nanosecond))
}

// Deletable reports whether an allocation is a blocking period staff may remove.
func (d *vehiclePageData) Deletable(al fleet.Allocation) bool {
	return al.Kind == fleet.AllocBlock || al.Kind == fleet.AllocMaintenance
}

// vehiclePage shows one vehicle the user may see; any other id is a 404.
func (a *app) vehiclePage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	v, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return err
	}
	a.renderVehiclePage(w, r, http.StatusOK, v, nil, nil)
	return nil
}

// renderVehiclePage loads what the vehicle page shows, lets edit replace the
// forms as typed, and renders it with problems.
func (a *app) renderVehiclePage(w http.ResponseWriter, r *http.Request, status int, v fleet.Vehicle, edit func(*vehiclePageData), problems map[string]string) {
	ctx := r.Context()
	d := &vehiclePageData{Vehicle: v, Form: vehicleFormOf(v), Views: diagramViews, Kinds: fleet.DamageKinds,
		Severities: fleet.DamageSeverities, Block: blockForm{Kind: fleet.AllocBlock}, Damage: damageEntry{View: "top", Severity: "minor"},
		CanStartUse: a.Contracts != nil && a.ContractData != nil}
	sts, cats, err := a.choices(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d.loc = berlin
	for _, s := range sts {
		if s.ID == v.StationID {
			d.StationName, d.loc = s.Name, s.Location()
		}
	}
	for _, c := range cats {
		if c.ID == v.CategoryID {
			d.Category = c.Code + " · " + c.Name(reqCtx(r).lang)
		}
	}
	now := a.Now()
	if d.Allocs, err = a.Fleet.ListAllocations(ctx, v.ID, now.AddDate(0, 0, -30), now.AddDate(1, 0, 0)); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Current, d.Next, err = a.currentAndNext(ctx, d.Allocs, now); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Damages, err = a.Damages.ListDamages(ctx, v.ID, false); err != nil {
		a.fail(w, r, err)
		return
	}
	// Open damages first, then repaired ones, each newest first.
	open, done := []fleet.Damage{}, []fleet.Damage{}
	for _, dm := range d.Damages {
		if dm.Open() {
			open = append(open, dm)
		} else {
			done = append(done, dm)
		}
	}
	d.Damages = append(open, done...)
	if d.Conditions, err = a.Damages.ListConditions(ctx, v.ID, 50); err != nil {
		a.fail(w, r, err)
		return
	}
	if edit != nil {
		edit(d)
	}
	d.Form = d.Form.withChoices(sts, cats)
	vw := &view{Title: "fl.vehicle", Nav: "vehicles", Data: d, Errors: problems}
	lang := reqCtx(r).lang
	switch r.URL.Query().Get("done") {
	case "created":
		vw.Notice = translate(lang, "fl.created")
	case "saved":
		vw.Notice = translate(lang, "common.saved")
	case "ready":
		vw.Notice = translate(lang, "counter.marked_ready")
	case "blocked":
		vw.Notice = translate(lang, "fl.block_added")
	case "unblocked":
		vw.Notice = translate(lang, "fl.block_removed")
	case "damage":
		vw.Notice = translate(lang, "fl.damage_added")
	case "photos":
		vw.Notice = translate(lang, "fl.photos_added")
	case "repaired":
		vw.Notice = translate(lang, "fl.damage_repaired")
	}
	a.render(w, r, status, "vehicle", vw)
}

// stationLoc returns the time zone of station id (Europe/Berlin when unknown).
func (a *app) stationLoc(r *http.Request, id int64) *time.Location {
	st, err := a.Tenancy.Station(r.Context(), id)
	if err != nil {
		return berlin
	}
	return st.Location()
}

// blockAdd adds a blocking or maintenance period [from, to] (whole days in
// the station's time zone). A period that overlaps a booking or another
// block is refused with a message and nothing is saved.
func (a *app) blockAdd(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	v, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	f := blockForm{Kind: r.PostFormValue("block_kind"), From: strings.TrimSpace(r.PostFormValue("block_from")),
		To: strings.TrimSpace(r.PostFormValue("block_to")), Note: strings.TrimSpace(r.PostFormValue("block_note"))}
	problems := map[string]string{}
	if f.Kind != fleet.AllocBlock && f.Kind != fleet.AllocMaintenance {
		problems["block_kind"] = translate(lang, "fl.err_choose")
	}
	loc := a.stationLoc(r, v.StationID)
	from, err1 := time.ParseInLocation("2006-01-02", f.From, loc)
	to, err2 := time.ParseInLocation("2006-01-02", f.To, loc)
	if err1 != nil {
		problems["block_from"] = translate(lang, "fl.err_date")
	}
	if err2 != nil {
		problems["block_to"] = translate(lang, "fl.err_date")
	} else if err1 == nil && to.Before(from) {
		problems["block_to"] = translate(lang, "fl.err_block_order")
	}
	if len(f.Note) > 500 {
		problems["block_note"] = translate(lang, "fl.err_long")
	}
	if len(problems) == 0 {
		al := fleet.Allocation{VehicleID: v.ID, Kind: f.Kind, Start: from, End: to.AddDate(0, 0, 1), Note: f.Note}
		err := a.Fleet.Allocate(r.Context(), &al)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=blocked#blocks", v.ID), http.StatusSeeOther)
			return nil
		}
		if errs.Is(err, errs.KindConflict) {
			problems["block_from"] = translate(lang, "fl.err_block_overlap")
		} else if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.renderVehiclePage(w, r, http.StatusUnprocessableEntity, v, func(d *vehiclePageData) { d.Block = f }, problems)
	return nil
}

// blockDelete removes a blocking or maintenance period of the vehicle;
// bookings cannot be removed here (404).
func (a *app) blockDelete(w http.ResponseWriter, r *http.Request) error {
	id, ok1 := pathID(r, "id")
	aid, ok2 := pathID(r, "aid")
	if !ok1 || !ok2 {
		return errNotFound
	}
	v, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return err
	}
	allocs, err := a.Fleet.ListAllocations(r.Context(), v.ID, time.Unix(0, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	found := false
	for _, al := range allocs {
		found = found || (al.ID == aid && (al.Kind == fleet.AllocBlock || al.Kind == fleet.AllocMaintenance))
	}
	if !found {
		return errNotFound
	}
	if err := a.Fleet.DeleteAllocation(r.Context(), aid); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=unblocked#blocks", v.ID), http.StatusSeeOther)
	return nil
}

// vehicleReady marks a car ready after a return (cleaned, inspected).
func (a *app) vehicleReady(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	if err := a.Fleet.MarkVehicleReady(r.Context(), id); err != nil {
		return err
	}
	if back := safeNext(r.PostFormValue("back")); back != "" {
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		http.Redirect(w, r, fmt.Sprintf("%s%sready=%d", back, sep, id), http.StatusSeeOther) // the home screen says which car
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=ready", id), http.StatusSeeOther)
	return nil
}

// currentAndNext finds, among a car's allocations, the booking it is out
// on (or due for) now and the next one after it, with their labels.
func (a *app) currentAndNext(ctx context.Context, allocs []fleet.Allocation, now time.Time) (cur, next *booking.Row, err error) {
	if a.Bookings == nil {
		return nil, nil, nil
	}
	for _, al := range allocs {
		if al.Kind != fleet.AllocBooking || al.ReservationID == 0 || al.Test || !al.End.After(now) {
			continue
		}
		row, err := a.Bookings.ReservationRow(ctx, al.ReservationID)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case cur == nil && (row.Status == booking.StatusActive || !al.Start.After(now)):
			cur = &row
		case next == nil && al.Start.After(now):
			next = &row
		}
		if next != nil {
			break
		}
	}
	return cur, next, nil
}
