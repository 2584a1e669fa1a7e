package web

import (
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/contract"
)

// finesListData is the list of fine cases.
type finesListData struct {
	Fines []contract.Fine
	loc   *time.Location
}

// Local renders t in the tenant's time zone.
func (d *finesListData) Local(v *view, t time.Time) string { return formatTime(v.Lang, t, d.loc) }

// finesList lists the fines, tolls and parking tickets the user may see,
// newest offence first, with their status.
func (a *app) finesList(w http.ResponseWriter, r *http.Request) error {
	if a.Contracts == nil {
		return errNotFound
	}
	fs, err := a.Contracts.ListFines(r.Context(), contract.FineFilter{Limit: 500})
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "fines_list", &view{Title: "fines.list_title", Nav: "vehicles", Data: &finesListData{Fines: fs, loc: berlin}})
	return nil
}
