package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
)

// TestWorkshopRefForms (both databases): staff enter the workshop order of
// a counter rental on the reservation page and change it on the contract
// page — each audited on both, read as a sentence, shown on the pages; a
// control character is refused on the field and nothing changes; once the
// rental is billed the form is gone and a stale submit is refused with the
// reason, nothing changed.
func TestWorkshopRefForms(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		supplierReady(t, ce)
		resPage := fmt.Sprintf("/admin/reservations/%d", ct.ReservationID)
		ctPage := fmt.Sprintf("/admin/contracts/%d", ct.ID)
		ref := func() string {
			t.Helper()
			r, err := ce.store.Reservation(ce.sys(), ct.ReservationID)
			must(t, err)
			return r.WorkshopRef
		}
		p := c.post(resPage+"/workshop-ref", url.Values{"csrf": {c.token(resPage)}, "workshop_ref": {" WA-24117 "}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Werkstattauftrag wurde gespeichert.", `value="WA-24117"`, "Werkstattauftrag WA-24117 eingetragen")
		if got := ref(); got != "WA-24117" {
			t.Fatalf("stored %q", got)
		}
		p = c.post(ctPage+"/workshop-ref", url.Values{"csrf": {c.token(ctPage)}, "workshop_ref": {"WA-24118"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Werkstattauftrag wurde gespeichert.", "Werkstattauftrag: WA-24118",
			"Werkstattauftrag von WA-24117 auf WA-24118 geändert")
		p = c.post(ctPage+"/workshop-ref", url.Values{"csrf": {c.token(ctPage)}, "workshop_ref": {strings.Repeat("W", 61)}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); fe["workshop_ref"] == "" {
			t.Fatalf("no error on the field: %v %s", fe, p.alert())
		}
		if got := ref(); got != "WA-24118" {
			t.Fatalf("after a refused change: %q", got)
		}
		var n int
		must(t, ce.store.DB().QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'workshop_ref'`).Scan(&n))
		if n != 4 {
			t.Fatalf("%d audit entries, want 2 on the booking and 2 on the contract", n)
		}
		// billed: no form, and a stale submit is refused with the reason
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p = c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil {
			t.Fatalf("return preview: %d %s", p.status, p.alert())
		}
		form.Set("confirm", token[1])
		if p = c.post(path, form); p.status != http.StatusOK {
			t.Fatalf("return: %d %s", p.status, p.alert())
		}
		if c, _ := ce.store.Contract(ce.sys(), ct.ID); c.Status != contract.StatusBilled && c.Status != contract.StatusClosed && c.Status != contract.StatusPaymentOpen {
			t.Fatalf("not billed: %s", c.Status)
		}
		p = c.get(ctPage)
		if strings.Contains(p.body, `id="workshop-form"`) {
			t.Fatal("the contract page offers the workshop order form after billing")
		}
		wantContains(t, p, "Nach der Abrechnung nicht mehr änderbar.")
		p = c.post(ctPage+"/workshop-ref", url.Values{"csrf": {c.token(ctPage)}, "workshop_ref": {"WA-9"}})
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "Die Miete ist abgerechnet")
		if p := c.get(resPage); strings.Contains(p.body, `id="workshop-form"`) || !strings.Contains(p.body, "Nach der Abrechnung nicht mehr änderbar.") {
			t.Fatal("the reservation page offers the workshop order form after billing")
		}
		p = c.post(resPage+"/workshop-ref", url.Values{"csrf": {c.token(resPage)}, "workshop_ref": {"WA-9"}})
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "Die Miete ist abgerechnet")
		if got := ref(); got != "WA-24118" {
			t.Fatalf("after billing: %q", got)
		}
	})
}

// TestWorkshopRefWhileBillingWaits (both databases): a returned rental
// whose billing waits (the dealer's company data is incomplete) is not
// billed yet: its reservation page still offers and takes the workshop
// order.
func TestWorkshopRefWhileBillingWaits(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil {
			t.Fatalf("return preview: %d %s", p.status, p.alert())
		}
		form.Set("confirm", token[1])
		c.post(path, form)
		if k, _ := ce.store.Contract(ce.sys(), ct.ID); k.Status != contract.StatusReturned {
			t.Fatalf("contract %s, want returned with billing waiting", k.Status)
		}
		resPage := fmt.Sprintf("/admin/reservations/%d", ct.ReservationID)
		p = c.get(resPage)
		wantContains(t, p, `id="workshop-form"`)
		p = c.post(resPage+"/workshop-ref", url.Values{"csrf": {c.token(resPage)}, "workshop_ref": {"WA-77"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Werkstattauftrag wurde gespeichert.")
		if r, _ := ce.store.Reservation(ce.sys(), ct.ReservationID); r.WorkshopRef != "WA-77" {
			t.Fatalf("stored %q", r.WorkshopRef)
		}
	})
}
