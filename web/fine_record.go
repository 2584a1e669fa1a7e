package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// fineForm is the "Vorgang erfassen" form as typed.
type fineForm struct {
	ContractID                                   int64
	Kind, Authority, AuthorityAddress, Reference string
	OffenceAt, Place, Offence, Amount            string
	Contract                                     contract.Contract
	Customer                                     customer.Customer
	Plate                                        string
	Kinds                                        []string
	loc                                          *time.Location
}

// Local renders t in the contract's station time zone.
func (d *fineForm) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// fineFormContract loads the contract the form records a fine on.
func (a *app) fineFormContract(r *http.Request, d *fineForm) error {
	c, err := a.ContractData.Contract(r.Context(), d.ContractID)
	if err != nil {
		return err
	}
	cu, err := a.ContractData.Customer(r.Context(), c.CustomerID)
	if err != nil {
		return err
	}
	d.Contract, d.Customer, d.Kinds, d.loc = c, cu, contract.FineKinds, a.stationLoc(r, c.StationID)
	if v, err := a.Fleet.Vehicle(r.Context(), c.VehicleID); err == nil {
		d.Plate = v.Plate
	}
	return nil
}

// fineNew shows the form that records a fine on the contract found by
// "Wer fuhr?" (?contract=, with the searched time as the offence time).
func (a *app) fineNew(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	id, _ := strconv.ParseInt(r.URL.Query().Get("contract"), 10, 64)
	d := &fineForm{ContractID: id, Kind: contract.FineKindFine, OffenceAt: r.URL.Query().Get("at")}
	if err := a.fineFormContract(r, d); err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "fine_new", &view{Title: "fines.new_title", Nav: "vehicles", Data: d})
	return nil
}

// fineCreate records the fine; bad input shows the form again with the
// problems and records nothing.
func (a *app) fineCreate(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	id, _ := strconv.ParseInt(r.PostFormValue("contract_id"), 10, 64)
	d := &fineForm{ContractID: id, Kind: r.PostFormValue("kind"), Authority: r.PostFormValue("authority_name"),
		AuthorityAddress: r.PostFormValue("authority_address"), Reference: r.PostFormValue("reference"),
		OffenceAt: r.PostFormValue("offence_at"), Place: r.PostFormValue("place"), Offence: r.PostFormValue("offence"),
		Amount: r.PostFormValue("amount")}
	if err := a.fineFormContract(r, d); err != nil {
		return err
	}
	f := contract.Fine{ContractID: id, Kind: d.Kind, AuthorityName: d.Authority, AuthorityAddress: d.AuthorityAddress,
		Reference: d.Reference, Place: d.Place, Offence: d.Offence}
	var fs errs.Fields
	if t, ok := parseLocal(d.OffenceAt, d.loc); ok {
		f.OffenceAt = t
	} else {
		fs.Add("offence_at", "fines.err_at")
	}
	if strings.TrimSpace(d.Amount) != "" {
		if c, ok := parseCents(d.Amount); ok {
			f.AmountCents = c
		} else {
			fs.Add("amount", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(contract.MaxFineCents)})
		}
	}
	var err error
	if fs.Has("offence_at") || fs.Has("amount") {
		// the other fields are checked too, so that every problem shows at once
		f.Normalize()
		if e, ok := errs.As(f.Validate(d.Contract, a.Now())); ok {
			for _, fe := range e.Fields {
				if !fs.Has(fe.Field) {
					fs = append(fs, fe)
				}
			}
		}
		err = fs.Err()
	} else {
		err = a.Contracts.RecordFine(r.Context(), &f)
	}
	if err != nil {
		v := &view{Title: "fines.new_title", Nav: "vehicles", Data: d}
		status := a.formError(v, err)
		if status == 0 {
			return err
		}
		a.render(w, r, status, "fine_new", v)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/fines/%d?done=recorded", f.ID), http.StatusSeeOther)
	return nil
}
