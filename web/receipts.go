package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// receiptForm is what the "record payment" form holds.
type receiptForm struct{ Method, Amount, Reference, ReceivedOn, Station string }

// payoutForm is what the "record payout" form holds.
type payoutForm struct {
	receiptForm
	Reason string
}

// CanRecordPayout reports whether the page offers the "record payout"
// form: the contract is billed and has been paid too much.
func (d ctPageData) CanRecordPayout() bool {
	switch d.C.Status {
	case contract.StatusBilled, contract.StatusPaymentOpen, contract.StatusClosed:
		return d.Ledger.Open() < 0
	}
	return false
}

// Overpaid is what the contract has been paid too much (0 when not).
func (d ctPageData) Overpaid() int64 { return max(-d.Ledger.Open(), 0) }

// CanRecordReceipt reports whether the page offers the "record payment"
// form: the contract is billed and money is open.
func (d ctPageData) CanRecordReceipt() bool {
	switch d.C.Status {
	case contract.StatusBilled, contract.StatusPaymentOpen, contract.StatusClosed:
		return d.Ledger.Open() > 0
	}
	return false
}

// ReceiptMethods lists the methods of the form.
func (d ctPageData) ReceiptMethods() []string { return contract.ReceiptMethods }

// Day renders a calendar date "YYYY-MM-DD" in the page's language.
func (d ctPageData) Day(v *view, s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return locale.Lang(reqLang(v)).Date(t)
}

// receiptRecord records a payment received outside the gateway.
func (a *app) receiptRecord(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f := receiptForm{Method: r.PostFormValue("receipt_method"), Amount: r.PostFormValue("receipt_amount"),
		Reference: r.PostFormValue("receipt_reference"), ReceivedOn: r.PostFormValue("receipt_received_on"),
		Station: r.PostFormValue("receipt_station")}
	cents, parsed := parseEuro(f.Amount)
	if !parsed {
		cents = 0 // the domain reports the amount with every other field
	}
	_, err := a.Contracts.RecordReceipt(r.Context(), id, contract.Receipt{Method: f.Method, AmountCents: cents,
		Reference: f.Reference, ReceivedOn: f.ReceivedOn, StationID: formID(f.Station)})
	if err != nil {
		if !parsed && strings.TrimSpace(f.Amount) != "" {
			err = replaceField(err, errs.Field("amount", "receipt.amount_format"))
		}
		a.receiptAgain(w, r, id, err, "receipt_", func(d *ctPageData) { d.Receipt = f })
		return nil
	}
	done := "receipt"
	if c, err := a.ContractData.Contract(r.Context(), id); err == nil && c.Status == contract.StatusBilled {
		done = "receipt_settled"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=%s#receipts", id, done), http.StatusSeeOther)
	return nil
}

// payoutRecord records money given back outside the card.
func (a *app) payoutRecord(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	f := payoutForm{receiptForm: receiptForm{Method: r.PostFormValue("payout_method"), Amount: r.PostFormValue("payout_amount"),
		Reference: r.PostFormValue("payout_reference"), ReceivedOn: r.PostFormValue("payout_received_on"),
		Station: r.PostFormValue("payout_station")}, Reason: r.PostFormValue("payout_reason")}
	cents, parsed := parseEuro(f.Amount)
	if !parsed {
		cents = 0 // the domain reports the amount with every other field
	}
	_, err := a.Contracts.RecordPayout(r.Context(), id, contract.Receipt{Method: f.Method, AmountCents: cents,
		Reference: f.Reference, ReceivedOn: f.ReceivedOn, Reason: f.Reason, StationID: formID(f.Station)})
	if err != nil {
		if !parsed && strings.TrimSpace(f.Amount) != "" {
			err = replaceField(err, errs.Field("amount", "receipt.amount_format"))
		}
		a.receiptAgain(w, r, id, err, "payout_", func(d *ctPageData) { d.Payout = f })
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=payout#receipts", id), http.StatusSeeOther)
	return nil
}

// receiptReverse reverses a receipt entered by mistake.
func (a *app) receiptReverse(w http.ResponseWriter, r *http.Request) error {
	id, ok1 := pathID(r, "id")
	rid, ok2 := pathID(r, "rid")
	if !ok1 || !ok2 {
		return errNotFound
	}
	reason := r.PostFormValue("reason")
	rev, err := a.Contracts.ReverseReceipt(r.Context(), id, rid, reason)
	if err != nil {
		if isNotFound(err) {
			return err
		}
		a.receiptAgain(w, r, id, err, "reverse_", func(d *ctPageData) { d.ReverseID, d.ReverseReason = rid, reason })
		return nil
	}
	done := "receipt_reversed"
	if rev.ReversesKind == contract.KindPayout {
		done = "payout_reversed"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/contracts/%d?done=%s#receipts", id, done), http.StatusSeeOther)
	return nil
}

// receiptAgain shows the contract page again with err: field errors (named
// prefix+field, apart from the page's other forms) next to the fields, in
// the user's language, and what was typed kept by edit.
func (a *app) receiptAgain(w http.ResponseWriter, r *http.Request, id int64, err error, prefix string, edit func(*ctPageData)) {
	d, lerr := a.loadContractPage(r.Context(), id)
	if lerr != nil {
		a.fail(w, r, lerr)
		return
	}
	edit(&d)
	v := &view{Title: "ct.contract", Nav: "contracts", Data: d, Lang: reqCtx(r).lang}
	status := a.formError(v, err)
	if status == 0 {
		a.fail(w, r, err)
		return
	}
	if e, ok := errs.As(err); ok && len(v.Errors) > 0 {
		m := map[string]string{}
		for _, fe := range e.Fields {
			if _, dup := m[prefix+fe.Field]; !dup {
				m[prefix+fe.Field] = v.Errors[fe.Field]
			}
		}
		v.Errors = m
	}
	a.render(w, r, status, "contract", v)
}

// formID is the id a select sent (0: none or not a number; the domain then
// chooses).
func formID(v string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// replaceField returns err with the field error of with.Field replaced by with.
func replaceField(err error, with errs.FieldError) error {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid {
		return err
	}
	out := *e
	out.Fields = append([]errs.FieldError(nil), e.Fields...)
	for i := range out.Fields {
		if out.Fields[i].Field == with.Field {
			out.Fields[i] = with
		}
	}
	return &out
}
