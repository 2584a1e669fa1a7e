package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

// resplitPage shows the cover form of a billed contract: a change re-splits
// its bill — checked first (the documents it issues listed), then issued.
func (a *app) resplitPage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil || a.Covers == nil || a.Payers == nil {
		return errNotFound
	}
	c, err := a.ContractData.Contract(r.Context(), id)
	if err != nil {
		return err
	}
	cv, err := a.Covers.Cover(r.Context(), c.ReservationID)
	if err != nil {
		return err
	}
	end := ""
	if c.EndedAt != nil {
		end = c.EndedAt.In(a.stationLoc(r, c.StationID)).Format("2006-01-02T15:04")
	}
	return a.renderCover(w, r, http.StatusOK, c.ReservationID, cv, nil, resplitForm(id, end, nil))
}

// resplitSave checks the changed cover of a billed contract and shows the
// documents it would issue; confirmed with the plan's token, it issues
// them. An invalid cover, a refusal or a plan gone stale comes back with
// its message and changes nothing.
func (a *app) resplitSave(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil || a.Covers == nil || a.Payers == nil {
		return errNotFound
	}
	ctx := r.Context()
	c, err := a.ContractData.Contract(ctx, id)
	if err != nil {
		return err
	}
	co := contract.Correction{Cover: coverFromForm(r, c.ReservationID)}
	cv := &co.Cover
	endText := strings.TrimSpace(r.PostFormValue("ended_at"))
	if endText != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", endText, a.stationLoc(r, c.StationID))
		if err != nil {
			err = errs.Invalid("error.fields_invalid", errs.Field("ended_at", "field.datetime"))
			return a.renderCover(w, r, httpStatusOf(err), c.ReservationID, *cv, err, resplitForm(id, endText, nil))
		}
		co.End = t
	}
	token := r.PostFormValue("token")
	if token != "" && r.PostFormValue("confirm") != "" {
		_, err := a.Contracts.Resplit(ctx, id, &co, token)
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=resplit", id), http.StatusSeeOther)
			return nil
		}
		if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindConflict {
			return err
		}
		if e, ok := errs.As(err); !ok || e.Code != "resplit_stale" {
			return a.renderCover(w, r, httpStatusOf(err), c.ReservationID, *cv, err, resplitForm(id, endText, nil))
		}
		// stale: the new plan is shown with the reason
		plan, perr := a.Contracts.PlanResplit(ctx, id, &co)
		if perr != nil {
			err = perr
		}
		return a.renderCover(w, r, httpStatusOf(err), c.ReservationID, *cv, err, resplitForm(id, endText, &plan))
	}
	plan, err := a.Contracts.PlanResplit(ctx, id, &co)
	if err != nil {
		if k := errs.KindOf(err); k != errs.KindInvalid && k != errs.KindConflict {
			return err
		}
		return a.renderCover(w, r, httpStatusOf(err), c.ReservationID, *cv, err, resplitForm(id, endText, nil))
	}
	return a.renderCover(w, r, http.StatusOK, c.ReservationID, *cv, nil, resplitForm(id, endText, &plan))
}

// resplitForm turns the cover form into contract id's correction form
// (the rental's end as typed, end), with plan once checked.
func resplitForm(id int64, end string, plan *contract.ResplitPlan) func(*coverForm) {
	return func(f *coverForm) {
		f.Action = fmt.Sprintf("/admin/contracts/%d/resplit", id)
		f.Resplit, f.End = true, end
		if plan != nil && plan.Token != "" {
			f.Plan = plan
		}
	}
}
