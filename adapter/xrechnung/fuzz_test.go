package xrechnung

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

// FuzzEInvoice renders the advance, final and credit-note e-invoices with
// any text in every free text (company and customer names and addresses,
// branding, register, bank, notes, line descriptions, references): Render
// either returns a document that is well-formed XML (strict) and passes
// Check, or an errs.KindInvalid error naming what to complete — never a
// panic or an internal error, which would fail issuing an invoice after the
// card was charged. The seed corpus (testdata/fuzz/FuzzEInvoice) runs with
// every go test; explore with go test ./adapter/xrechnung -run '^$' -fuzz FuzzEInvoice.
func FuzzEInvoice(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		for name, in := range map[string]Input{"advance": advanceInput(t), "final": finalInput(t), "credit note": creditInput(t)} {
			req := "X" + s
			b := &in.Doc.Branding
			b.LegalName, b.Address.Street, b.Address.Extra, b.Address.City = req, req, s, req
			b.Phone, b.Website, b.RegisterCourt, b.RegisterNumber = req, s, s, s
			b.ManagingDirectors = append(b.ManagingDirectors, s)
			b.BankName, b.BIC = s, s
			inv := &in.Doc.Invoice
			inv.Supplier.Name, inv.Supplier.Address = b.LegalName, b.Address
			inv.Recipient.Name, inv.Recipient.Address.Street, inv.Recipient.Address.Extra, inv.Recipient.Address.City = req, req, s, req
			inv.Note = s
			for i := range inv.Lines {
				inv.Lines[i].Description = req
			}
			in.OrderReference, in.BookingNumber, in.ContractNumber = s, s, s
			out, err := Render(in)
			if err != nil {
				if !errs.Is(err, errs.KindInvalid) {
					t.Fatalf("%s: %v", name, err)
				}
				continue
			}
			dec := xml.NewDecoder(bytes.NewReader(out))
			dec.Strict = true
			for {
				_, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: not well-formed XML: %v", name, err)
				}
			}
			for _, v := range Check(out) {
				if v.Severity == Error {
					t.Errorf("%s: %s", name, v)
				}
			}
		}
	})
}
