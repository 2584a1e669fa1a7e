package web

import (
	"fmt"
	"net/http"
	"strings"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

// payerPayForm is what the "record transfer from the payer" form holds.
type payerPayForm struct{ Invoice, Amount, ReceivedOn, Reference string }

// PayerToday is today (YYYY-MM-DD) in the contract station's calendar:
// the day the payer documents' states are read for.
func (d ctPageData) PayerToday() string { return d.today }

// PayerOpen lists the payer documents of the contract with money open
// (the choice of the transfer form).
func (d ctPageData) PayerOpen() []contract.PayerInvoiceRow {
	var out []contract.PayerInvoiceRow
	for _, r := range d.PayerInvoices {
		if r.Receivable != nil && r.Receivable.Open() > 0 {
			out = append(out, r)
		}
	}
	return out
}

// payerPaymentRecord records a transfer received from a payer against one
// of its documents (a part of it, too).
func (a *app) payerPaymentRecord(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f := payerPayForm{Invoice: r.PostFormValue("payer_invoice"), Amount: r.PostFormValue("payer_amount"),
		ReceivedOn: r.PostFormValue("payer_received_on"), Reference: r.PostFormValue("payer_reference")}
	inv := formID(f.Invoice)
	err := a.payerDocOf(r, id, inv)
	if err == nil {
		cents, parsed := parseEuro(f.Amount)
		if !parsed {
			cents = 0 // the domain reports the amount with every other field
		}
		err = a.Contracts.RecordPayerTransfer(r.Context(), &contract.PayerPayment{InvoiceID: inv, AmountCents: cents,
			ReceivedOn: f.ReceivedOn, Reference: f.Reference})
		if !parsed && strings.TrimSpace(f.Amount) != "" {
			err = replaceField(err, errs.Field("amount", "receipt.amount_format"))
		}
	}
	if err != nil {
		a.receiptAgain(w, r, id, err, "payer_", func(d *ctPageData) { d.PayerPay = f })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=payer_payment#payer-invoices", id), http.StatusSeeOther)
	return nil
}

// payerDocOf checks that inv is a payer document of contract id (else a
// field error on the choice).
func (a *app) payerDocOf(r *http.Request, id, inv int64) error {
	rows, err := a.Contracts.PayerInvoiceRows(r.Context(), id)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if row.ID == inv && row.Receivable != nil {
			return nil
		}
	}
	return errs.Invalid("error.fields_invalid", errs.Field("invoice", "payer_payment.invoice_choose"))
}

// payerPaymentReverse reverses a transfer entered by mistake.
func (a *app) payerPaymentReverse(w http.ResponseWriter, r *http.Request) error {
	id, ok1 := pathID(r, "id")
	pid, ok2 := pathID(r, "pid")
	if !ok1 || !ok2 {
		return errNotFound
	}
	inv := formID(r.PostFormValue("invoice"))
	if err := a.payerDocOf(r, id, inv); err != nil {
		return errNotFound
	}
	reason := r.PostFormValue("reason")
	if _, err := a.Contracts.ReversePayerTransfer(r.Context(), inv, pid, reason); err != nil {
		if isNotFound(err) {
			return err
		}
		a.receiptAgain(w, r, id, err, "payer_reverse_", func(d *ctPageData) { d.PayerReverseID, d.PayerReverseReason = pid, reason })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=payer_payment_reversed#payer-invoices", id), http.StatusSeeOther)
	return nil
}
