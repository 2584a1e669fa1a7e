package web

import (
	"fmt"
	"net/http"
)

// reservationWorkshopRef sets the workshop order of a reservation (before
// pickup or while the car is out; refused once the rental is billed).
func (a *app) reservationWorkshopRef(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ref := r.PostFormValue("workshop_ref")
	if err := a.Bookings.SetWorkshopRef(r.Context(), id, ref); err != nil {
		a.reservationAgainWith(w, r, id, err, func(d *resPageData) { d.WorkshopRef = ref })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=workshop_ref", id), http.StatusSeeOther)
	return nil
}

// contractWorkshopRef sets the workshop order of the contract's rental
// from the contract page; documents issued afterwards carry it.
func (a *app) contractWorkshopRef(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Bookings == nil {
		return errNotFound
	}
	c, err := a.ContractData.Contract(r.Context(), id)
	if err != nil {
		return err
	}
	ref := r.PostFormValue("workshop_ref")
	if err := a.Bookings.SetWorkshopRef(r.Context(), c.ReservationID, ref); err != nil {
		a.contractAgain(w, r, id, err, func(d *ctPageData) { d.WorkshopRef = ref })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=workshop_ref#workshop", id), http.StatusSeeOther)
	return nil
}
