package web

import (
	"fmt"
	"net/http"
	"strconv"
)

// fineFee charges the tenant's processing fee for a fine: the first post
// shows the amount to confirm, the confirmed post charges it once (to the
// stored card, else as an open invoice; "to=invoice" invoices it also
// when there is a card); a second click charges nothing.
func (a *app) fineFee(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Contracts == nil {
		return errNotFound
	}
	confirm := r.PostFormValue("confirm_cents")
	if confirm == "" {
		d, err := a.loadFinePage(r, id)
		if err != nil {
			return err
		}
		if d.F.FeeInvoiceID == 0 && d.Fee > 0 {
			return a.fineAgain(w, r, id, nil, func(d *finePageData) { d.ConfirmCents = d.Fee })
		}
	}
	cents, _ := strconv.ParseInt(confirm, 10, 64)
	charge := a.Contracts.ChargeFineFee
	if r.PostFormValue("to") == "invoice" {
		charge = a.Contracts.InvoiceFineFee
	}
	out, err := charge(r.Context(), id, cents)
	if err != nil {
		return a.fineAgain(w, r, id, err, nil)
	}
	done := "fee_card"
	switch {
	case out.Already:
		done = "fee_already"
	case !out.Card:
		done = "fee_invoice"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/fines/%d?done=%s", id, done), http.StatusSeeOther)
	return nil
}
