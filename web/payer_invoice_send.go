package web

import (
	"context"
	"net/http"
)

// payerInvoiceSend e-mails a payer's document of the contract to the
// payer's current address: one that was not sent at issue (the payer had
// no address yet) or a copy the payer asks for again. Audited on the
// contract; a payer without an address gets the form's error and nothing
// is queued.
func (a *app) payerInvoiceSend(w http.ResponseWriter, r *http.Request) error {
	inv, ok := pathID(r, "inv")
	if !ok {
		return errNotFound
	}
	a.contractAction(w, r, "payer_invoice_sent", func(ctx context.Context, id int64) error {
		return a.Contracts.SendPayerInvoice(ctx, id, inv)
	})
	return nil
}
