package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/pricing"
)

// coverCard is the cover of a rental as its reservation and contract pages
// show it: who pays, the claim, and the days a capped payer covers.
type coverCard struct {
	ReservationID int64
	Cover         payer.Cover
	Payer         payer.Payer // zero in payer.ModeDriver
	Days          int         // the rental's days (planned, or billed)
	CoveredDays   int         // of Days, the payer's
	CanChange     bool
	// ResplitContract, when set, is the billed contract whose cover is
	// changed by re-splitting its bill (Kostenübernahme nachträglich ändern).
	ResplitContract int64
	// BillingUnfinished: billing has started and not finished
	// (contract.BillingUnfinished); the card says so instead of offering
	// a change.
	BillingUnfinished bool
	// Insurer: an accident replacement the insurer pays; Assignment is
	// the customer's signed assignment of claims (nil while unsigned).
	Insurer    bool
	Assignment *contract.Assignment
}

// loadCoverCard reads the cover of reservation id for a rental of days
// (canChange: the rental is not billed yet); nil when payers are not wired.
func (a *app) loadCoverCard(ctx context.Context, id int64, days int, canChange bool) (*coverCard, error) {
	if a.Covers == nil || a.Payers == nil {
		return nil, nil
	}
	c, err := a.Covers.Cover(ctx, id)
	if err != nil {
		return nil, err
	}
	card := &coverCard{ReservationID: id, Cover: c, Days: days, CoveredDays: days, CanChange: canChange}
	if c.PayerID != 0 {
		if card.Payer, err = a.Payers.Payer(ctx, c.PayerID); err != nil {
			return nil, err
		}
		card.Payer = c.Apply(card.Payer) // the terms the rental is billed on
		card.CoveredDays = card.Payer.CoveredDays(days)
		card.Insurer = c.Mode == payer.ModePayer && card.Payer.Kind == payer.KindInsurer
	}
	if card.Insurer && a.Contracts != nil {
		as, ok, err := a.Contracts.Assignment(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			card.Assignment = &as
		}
	}
	return card, nil
}

// coverForm is the cover page: the reservation, the cover as typed and the
// payers to choose from.
type coverForm struct {
	Row        booking.Row
	Cover      payer.Cover
	Payers     []payer.Payer // active payers, the one chosen even when inactive
	Days       int
	Modes      []string
	ContractID int64
	// Action is where the form posts (the reservation's cover, or a billed
	// contract's re-split); Plan the re-split's documents once checked.
	Action  string
	Resplit bool
	End     string // the correction form: the rental's end (YYYY-MM-DDTHH:MM, the station's time)
	Plan    *contract.ResplitPlan
}

// coverPage shows the form to choose who pays a rental.
func (a *app) coverPage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Covers == nil || a.Payers == nil {
		return errNotFound
	}
	c, err := a.Covers.Cover(r.Context(), id)
	if err != nil {
		return err
	}
	return a.renderCover(w, r, http.StatusOK, id, c, nil)
}

// coverSave stores the cover staff chose; an invalid choice comes back
// with a message per field and changes nothing. A change of who pays a
// confirmed booking (its confirmation out, the car not handed over: the
// payer, the mode or the terms — not the claim's texts) sends the customer
// the updated confirmation with the new split, and the page says it was
// sent or could not be; a save that changes nothing of that sends none.
func (a *app) coverSave(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Covers == nil || a.Payers == nil {
		return errNotFound
	}
	ctx := r.Context()
	c := coverFromForm(r, id)
	prev, err := a.Covers.ChangeCover(ctx, &c)
	if err == nil {
		row, err := a.Bookings.ReservationRow(ctx, id)
		if err != nil {
			return err
		}
		if row.ContractID != 0 {
			http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=cover", row.ContractID), http.StatusSeeOther)
			return nil
		}
		done := "cover"
		if !prev.SameTerms(c) && row.Status == booking.StatusConfirmed && a.Flow != nil {
			switch sent, err := a.Flow.NotifyCover(ctx, row.Number); {
			case err != nil:
				a.log.ErrorContext(ctx, "cover: updated confirmation e-mail", "request_id", httpx.RequestID(ctx), "reservation", row.Number, "err", err)
				done = "cover_unmailed"
			case sent:
				done = "cover_mailed"
			}
		}
		http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=%s", id, done), http.StatusSeeOther)
		return nil
	}
	if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindConflict {
		return err
	}
	return a.renderCover(w, r, httpStatusOf(err), id, c, err)
}

// coverFromForm is the cover of reservation id as the cover form posted
// it (the payer from the list of its mode).
func coverFromForm(r *http.Request, id int64) payer.Cover {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	c := payer.Cover{ReservationID: id, Mode: get("mode"), ClaimNumber: get("claim_number"), PolicyNumber: get("policy_number"),
		DamageDate: get("damage_date"), AtFaultParty: get("at_fault_party"), CustomerVIN: get("customer_vin"),
		CustomerPlate: get("customer_plate")}
	field := "payer_id"
	if c.Mode == payer.ModeInternal {
		field = "cost_centre_id"
	}
	if s := get(field); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			c.PayerID = n
		}
	}
	return c
}

// renderCover renders the cover form of reservation id with c and, when
// given, the problem err; mods adjust the form (the re-split's action and
// plan).
func (a *app) renderCover(w http.ResponseWriter, r *http.Request, status int, id int64, c payer.Cover, err error,
	mods ...func(*coverForm)) error {
	ctx := r.Context()
	row, lerr := a.Bookings.ReservationRow(ctx, id)
	if lerr != nil {
		return lerr
	}
	all, lerr := a.Payers.ListPayers(ctx)
	if lerr != nil {
		return lerr
	}
	f := coverForm{Row: row, Cover: c, Modes: payer.Modes, ContractID: row.ContractID,
		Action: fmt.Sprintf("/admin/reservations/%d/cover", id)}
	for _, p := range all {
		if p.Active || p.ID == c.PayerID {
			f.Payers = append(f.Payers, p)
		}
	}
	f.Days = a.plannedDays(ctx, row)
	for _, m := range mods {
		m(&f)
	}
	// Lang set now: formError translates before render would set it.
	v := &view{Title: "cv.title", Nav: "reservations", Data: f, Lang: reqCtx(r).lang}
	if f.Resplit {
		v.Title = "rs.title"
	}
	if row.ContractID != 0 {
		v.Nav = "contracts"
	}
	if err != nil {
		if status = a.formError(v, err); status == 0 {
			return err
		}
		if e, ok := errs.As(err); ok && e.Kind == errs.KindConflict && locale.Has(locale.Key("bk.conflict."+string(e.Code))) {
			v.Alert = conflictText(reqCtx(r).lang, err)
		}
		if v.Errors["payer_id"] != "" && c.Mode == payer.ModeInternal {
			v.Errors["cost_centre_id"] = v.Errors["payer_id"]
		}
	}
	a.render(w, r, status, "cover", v)
	return nil
}

// plannedDays is the number of days the reservation's tariff counts for
// its period.
func (a *app) plannedDays(ctx context.Context, row booking.Row) int {
	if t, err := a.Pricing.Tariff(ctx, row.TariffID); err == nil {
		return pricing.RentalDays(t, row.Pickup, row.Return, berlin)
	}
	return int((row.Return.Sub(row.Pickup) + 24*time.Hour - time.Minute) / (24 * time.Hour))
}

// coverOpen reports whether a reservation in status st may still change
// its cover.
func coverOpen(st booking.Status) bool {
	return st != booking.StatusCompleted && st != booking.StatusCancelled && st != booking.StatusFailed
}

// coveredEstimate keeps estimate e of a rental for its page when someone
// other than the driver pays a part (nil otherwise). A rental billing
// cannot estimate (its terms refused as invalid) shows none rather than
// failing the page.
func coveredEstimate(e contract.Estimate, err error) (*contract.Estimate, error) {
	if errs.KindOf(err) == errs.KindInvalid {
		return nil, nil
	}
	if err != nil || !e.Split.Covered() {
		return nil, err
	}
	return &e, nil
}
