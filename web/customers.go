package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
)

type custListData struct {
	Q          string
	Hits       []customer.Hit
	Total      int
	Page, Last int
}

// PageURL links page p of the search.
func (d custListData) PageURL(p int) string {
	v := url.Values{}
	if d.Q != "" {
		v.Set("q", d.Q)
	}
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	return "/admin/customers?" + v.Encode()
}

// customerList searches customers by name, e-mail, phone or booking number
// (?q=…&page=…); a station user finds only customers of its stations.
func (a *app) customerList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := custListData{Q: strings.TrimSpace(q.Get("q")), Page: 1}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 {
		d.Page = p
	}
	var err error
	d.Hits, d.Total, err = a.Bookings.SearchCustomers(r.Context(), customer.SearchQuery{Text: d.Q, Limit: resPageSize, Offset: (d.Page - 1) * resPageSize})
	if err != nil {
		return err
	}
	d.Last = max(1, (d.Total+resPageSize-1)/resPageSize)
	a.render(w, r, http.StatusOK, "customers", &view{Title: "bk.cust.title", Nav: "customers", Data: d})
	return nil
}

// custPageData is the customer page: the file (bookings, contracts,
// invoices, payments) and the edit form.
type custPageData struct {
	File     customer.File
	Form     customer.Customer
	Erasure  *customer.Erasure
	Restrict bool
	Retain   *customer.RetentionStatus // erasure state: final deletion date, cards pending at the gateway
}

// custChange is one change of the customer's master data as the customer
// page lists it: by a booking (Booking is its number) or by staff (Actor).
type custChange struct {
	At            time.Time
	Booking       string
	ReservationID int64 // the booking's page, when the actor sees it
	Actor         string
	Fields        []customer.Change
}

// Changes lists the changes of the customer's master data, newest first,
// from the audit entries of the file: those a booking made ("Daten
// geändert durch Buchung …") and those staff made.
func (d custPageData) Changes() []custChange {
	ids := map[string]int64{}
	for _, r := range d.File.Reservations {
		ids[r.Number] = r.ID
	}
	var out []custChange
	for _, e := range d.File.Audit {
		if e.Entity != "customer" {
			continue
		}
		c := custChange{At: e.At, Actor: e.Actor}
		switch e.Action {
		case customer.ActionBookingUpdate:
			var u customer.BookingUpdate
			if json.Unmarshal([]byte(e.After), &u) != nil {
				continue
			}
			c.Booking, c.ReservationID, c.Fields = u.Booking, ids[u.Booking], u.Changes
		case "update":
			c.Fields = auditFields(e.Before, e.After)
		default:
			continue
		}
		if len(c.Fields) > 0 {
			out = append(out, c)
		}
	}
	slices.Reverse(out)
	return out
}

// auditFields reads the fields of a staff change (before and after as maps
// from field to value) or of an earlier API upsert (after as a list of
// changes).
func auditFields(before, after string) []customer.Change {
	var b, a map[string]string
	if json.Unmarshal([]byte(after), &a) == nil && a != nil {
		_ = json.Unmarshal([]byte(before), &b)
		var out []customer.Change
		for f, v := range a {
			out = append(out, customer.Change{Field: f, Before: b[f], After: v})
		}
		slices.SortFunc(out, func(x, y customer.Change) int { return strings.Compare(x.Field, y.Field) })
		return out
	}
	var list []customer.Change
	_ = json.Unmarshal([]byte(after), &list)
	return list
}

// ResStatus is the booking status as a typed value for the template.
func (d custPageData) ResStatus(s string) booking.Status { return booking.Status(s) }

// ResKind is the kind of the customer's booking id (a rental when it is
// not among the file's bookings).
func (d custPageData) ResKind(id int64) booking.Kind {
	for _, r := range d.File.Reservations {
		if r.ID == id && booking.Kind(r.Kind).Valid() {
			return booking.Kind(r.Kind)
		}
	}
	return booking.KindRental
}

func (a *app) customerPage(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f, err := a.Bookings.CustomerFile(r.Context(), id)
	if err != nil {
		return err
	}
	v := &view{Title: "bk.cust.one", Nav: "customers", Data: custPageData{File: f, Form: formCustomer(f.Customer),
		Restrict: f.Customer.RestrictedAt != nil, Retain: a.retentionStatus(r, id)}}
	switch r.URL.Query().Get("done") {
	case "saved":
		v.Notice = translate(reqCtx(r).lang, "common.saved")
	case "erased":
		v.Notice = translate(reqCtx(r).lang, "bk.cust.erased")
	}
	a.render(w, r, http.StatusOK, "customer", v)
	return nil
}

func formCustomer(c customer.FileCustomer) customer.Customer {
	return customer.Customer{ID: c.ID, Email: c.Email, Company: c.Company, FirstName: c.FirstName, LastName: c.LastName,
		Street: c.Street, PostalCode: c.PostalCode, City: c.City, Country: c.Country, Phone: c.Phone, BirthDate: c.BirthDate,
		Language: c.Language, VATID: c.VATID, LicenceNumber: c.LicenceNumber, LicenceClass: c.LicenceClass,
		LicenceIssuedOn: c.LicenceIssuedOn, LicenceCountry: c.LicenceCountry}
}

// customerUpdate saves the edit form; invalid input comes back with
// messages and changes nothing.
func (a *app) customerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	f, err := a.Bookings.CustomerFile(ctx, id)
	if err != nil {
		return err
	}
	g := r.PostFormValue
	c := customer.Customer{ID: id, Email: g("email"), Company: g("company"), FirstName: g("first_name"), LastName: g("last_name"),
		Street: g("street"), PostalCode: g("postal_code"), City: g("city"), Country: g("country"), Phone: g("phone"),
		BirthDate: g("birth_date"), Language: g("language"), VATID: g("vat_id"), LicenceNumber: g("licence_number"),
		LicenceClass: g("licence_class"), LicenceIssuedOn: g("licence_issued_on"), LicenceCountry: g("licence_country")}
	form := c
	err = a.Bookings.UpdateCustomer(ctx, &c)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/admin/customers/%d?done=saved", id), http.StatusSeeOther)
		return nil
	}
	lang := reqCtx(r).lang
	v := &view{Title: "bk.cust.one", Nav: "customers", Data: custPageData{File: f, Form: form, Restrict: f.Customer.RestrictedAt != nil}}
	status := http.StatusUnprocessableEntity
	if fe, ok := fieldErrors(lang, err); ok {
		v.Errors = fe
		// the domain names the licence fields driving_licence.<x>, the form licence_<x>
		for k, m := range fe {
			if x, ok := strings.CutPrefix(k, "driving_licence."); ok {
				fe["licence_"+x] = m
			}
		}
		v.Alert = translate(lang, "form.has_errors")
	} else if errs.KindOf(err) == errs.KindConflict {
		status = http.StatusConflict
		v.Alert = conflictText(lang, err)
	} else {
		return err
	}
	a.render(w, r, status, "customer", v)
	return nil
}

// customerExport sends the GDPR export (Art. 15/20) as a JSON download:
// everything about the customer that the signed-in user may see.
func (a *app) customerExport(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f, err := a.Bookings.CustomerFile(r.Context(), id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kunde-%d-export.json"`, id))
	w.Write(b)
	return nil
}

// customerEraseConfirm asks for confirmation of an erasure request.
func (a *app) customerEraseConfirm(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f, err := a.Bookings.CustomerFile(r.Context(), id)
	if err != nil {
		return err
	}
	a.render(w, r, http.StatusOK, "customer_erase", &view{Title: "bk.cust.erase", Nav: "customers", Data: f})
	return nil
}

// deletePhotoFiles deletes the files of damage photos an erasure deleted
// (image and thumbnail). A file that cannot be deleted is logged for the
// operator: its database row is gone, so nothing shows or finds it again.
func (a *app) deletePhotoFiles(r *http.Request, keys []string) {
	del, ok := a.Photos.(interface {
		Delete(ctx context.Context, key string) error
	})
	if !ok || len(keys) == 0 {
		if len(keys) > 0 {
			a.log.ErrorContext(r.Context(), "erasure: photo files not deleted (no photo folder configured)", "files", len(keys))
		}
		return
	}
	for _, k := range keys {
		for _, key := range []string{k, k + "-thumb"} {
			if err := del.Delete(r.Context(), key); err != nil {
				a.log.ErrorContext(r.Context(), "erasure: photo file not deleted; delete it by hand", "key", key, "err", err)
			}
		}
	}
}

// customerErase carries out a confirmed erasure request (administrators).
func (a *app) customerErase(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	f, err := a.Bookings.CustomerFile(ctx, id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	if r.PostFormValue("confirm") != "yes" {
		v := &view{Title: "bk.cust.erase", Nav: "customers", Data: f, Errors: map[string]string{"confirm": translate(lang, "bk.cust.erase_confirm_needed")}}
		v.Alert = translate(lang, "form.has_errors")
		a.render(w, r, http.StatusUnprocessableEntity, "customer_erase", v)
		return nil
	}
	er, err := a.Bookings.EraseCustomer(ctx, id)
	if err != nil {
		if errs.KindOf(err) != errs.KindConflict {
			return err
		}
		v := &view{Title: "bk.cust.erase", Nav: "customers", Data: f, Alert: conflictText(lang, err)}
		a.render(w, r, http.StatusConflict, "customer_erase", v)
		return nil
	}
	a.deletePhotoFiles(r, er.PhotoKeys)
	a.deleteCardsAfterErasure(r, id)
	http.Redirect(w, r, fmt.Sprintf("/admin/customers/%d?done=erased", id), http.StatusSeeOther)
	return nil
}
