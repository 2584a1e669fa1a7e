package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/audit"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/locale"
)

// finePageData is one fine case: the fine, its contract and customer, the
// fee (charged, or what would be charged) and the case's history.
type finePageData struct {
	F        contract.Fine
	C        contract.Contract
	Customer customer.Customer
	Fee      int64
	// ConfirmCents, when set, asks to confirm charging this fee.
	ConfirmCents int64
	HasCard      bool
	History      []auditLine
	loc          *time.Location
}

// AuthorityLines is the authority's address, line by line.
func (d *finePageData) AuthorityLines() []string {
	if d.F.AuthorityAddress == "" {
		return nil
	}
	return strings.Split(d.F.AuthorityAddress, "\n")
}

// Local renders t in the contract's station time zone.
func (d *finePageData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// LocalP renders *t ("" for nil).
func (d *finePageData) LocalP(v *view, t *time.Time) string {
	if t == nil {
		return ""
	}
	return d.Local(v, *t)
}

func (a *app) loadFinePage(r *http.Request, id int64) (*finePageData, error) {
	ctx := r.Context()
	f, err := a.Contracts.Fine(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := a.ContractData.Contract(ctx, f.ContractID)
	if err != nil {
		return nil, err
	}
	cu, err := a.ContractData.Customer(ctx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	fee, err := a.Contracts.FineFee(ctx, f)
	if err != nil {
		return nil, err
	}
	d := &finePageData{F: f, C: c, Customer: cu, Fee: fee, loc: a.stationLoc(r, c.StationID)}
	if _, err := a.ContractData.CustomerCard(ctx, c.CustomerID); err == nil {
		d.HasCard = true
	}
	entries, err := a.ContractData.AuditTrail(ctx, "contract", c.ID)
	if err != nil {
		return nil, err
	}
	var mine []audit.Entry
	for _, e := range entries {
		var after struct {
			FineID int64 `json:"fine_id"`
		}
		if json.Unmarshal([]byte(e.After), &after) == nil && after.FineID == f.ID {
			mine = append(mine, e)
		}
	}
	d.History = a.auditView(ctx, mine, d.loc)
	return d, nil
}

// finePage shows one fine case with its documents and actions.
func (a *app) finePage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	d, err := a.loadFinePage(r, id)
	if err != nil {
		return err
	}
	v := &view{Title: "fines.case_title", Nav: "vehicles", Data: d}
	if done := r.URL.Query().Get("done"); done != "" {
		if key := locale.Key("fines.done." + done); locale.Has(key) {
			v.Notice = v.T(string(key))
		}
	}
	a.render(w, r, http.StatusOK, "fine", v)
	return nil
}
