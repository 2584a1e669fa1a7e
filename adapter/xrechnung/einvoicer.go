package xrechnung

import (
	"context"

	"mietwerk.dev/mietwerk/document"
)

// EInvoicer renders XRechnung 3.0 CII files for the issuing services; it
// implements document.EInvoicer. The zero value is ready to use.
type EInvoicer struct{}

var _ document.EInvoicer = EInvoicer{}

// EInvoice returns the XRechnung XML of d (see Render for the errors).
func (EInvoicer) EInvoice(ctx context.Context, d document.EInvoiceDoc) ([]byte, string, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", "", err
	}
	out, err := Render(Input{Doc: d.InvoiceDoc, BuyerEmail: d.BuyerEmail, OrderReference: d.OrderReference,
		BookingNumber: d.BookingNumber, ContractNumber: d.ContractNumber})
	if err != nil {
		return nil, "", "", err
	}
	return out, ".xml", "application/xml", nil
}
