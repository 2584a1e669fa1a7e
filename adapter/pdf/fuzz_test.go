package pdf

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
)

// withText returns every document type (invoice, final invoice, credit
// note, handover and return protocol, contract; German and English) with s
// in every free text a person or tenant can type: names, addresses,
// branding, line descriptions, notes, damages, terms. Required fields get s
// after a letter, so the documents stay valid for any s.
func withText(s string) map[string]func(r *Renderer) ([]byte, error) {
	req := "X" + s
	ctx := context.Background()
	brand := func(b document.Branding) document.Branding {
		b.LegalName, b.Address.Street, b.Address.Extra, b.Address.City = req, s, s, s
		b.Phone, b.Email, b.Website, b.RegisterCourt, b.RegisterNumber = s, s, s, s, s
		b.ManagingDirectors = []string{s, req}
		b.TaxNumber, b.VATID, b.BankName, b.IBAN, b.BIC = s, s, s, s, s
		return b
	}
	party := func(p invoice.Party) invoice.Party {
		p.Name = req
		p.Address = invoice.Address{Street: req, Extra: s, PostalCode: req, City: req, Country: s}
		p.VATID = s
		return p
	}
	inv := func(i invoice.Invoice, lang document.Lang) document.InvoiceDoc {
		i.Supplier, i.Recipient = party(i.Supplier), party(i.Recipient)
		i.Note = s
		for k := range i.Lines {
			i.Lines[k].Description = req
			i.Lines[k].Unit = req
		}
		d := invoiceDoc(i, lang)
		d.Branding = brand(d.Branding)
		return d
	}
	person := func(p document.Person) document.Person {
		p.Name = req
		p.Address = []string{s, s + "\n" + s}
		p.Email, p.Phone = s, s
		return p
	}
	protocol := func(kind document.ProtocolKind, lang document.Lang) document.ProtocolDoc {
		d := protocolDoc(kind, lang)
		d.Branding = brand(d.Branding)
		d.Vehicle = document.Vehicle{Plate: s, Make: s, Model: s, VIN: s}
		d.Customer = person(d.Customer)
		d.Station = document.Station{Name: s, Address: []string{s}, Phone: s}
		for k := range d.Damages {
			d.Damages[k].Kind, d.Damages[k].Description = s, s
		}
		d.Notes, d.StaffName, d.SignerName = s, s, s
		return d
	}
	contract := func(lang document.Lang) document.ContractDoc {
		d := contractDoc(lang)
		d.Branding = brand(d.Branding)
		d.Customer = person(d.Customer)
		for k := range d.Drivers {
			d.Drivers[k].Person = person(d.Drivers[k].Person)
			l := &d.Drivers[k].Licence
			l.Number, l.Classes, l.IssuingCountry, l.CheckedBy = s, s, s, s
		}
		d.Vehicle = document.Vehicle{Plate: s, Make: s, Model: s, VIN: s}
		d.Station = document.Station{Name: s, Address: []string{s}, Phone: s}
		d.Tariff.Name = s
		d.Terms = append(d.Terms, s, strings.Repeat(s+" ", 3))
		d.Signer = s
		return d
	}
	return map[string]func(r *Renderer) ([]byte, error){
		"advance invoice": func(r *Renderer) ([]byte, error) { return r.Invoice(ctx, inv(advanceInvoice(), document.German)) },
		"final invoice":   func(r *Renderer) ([]byte, error) { return r.Invoice(ctx, inv(finalInvoice(), document.English)) },
		"credit note":     func(r *Renderer) ([]byte, error) { return r.Invoice(ctx, inv(creditNote(), document.German)) },
		"handover protocol": func(r *Renderer) ([]byte, error) {
			return r.Protocol(ctx, protocol(document.Handover, document.German))
		},
		"return protocol": func(r *Renderer) ([]byte, error) { return r.Protocol(ctx, protocol(document.Return, document.English)) },
		"contract":        func(r *Renderer) ([]byte, error) { return r.Contract(ctx, contract(document.German)) },
	}
}

// FuzzDocuments renders every document type with any text in every free
// text field: it must never panic and always give a complete PDF. The
// seed corpus (testdata/fuzz/FuzzDocuments: emoji, astral planes, RTL,
// combining marks, control characters, NUL, invalid UTF-8, CJK) runs with
// every go test; explore further with
// go test ./adapter/pdf -run '^$' -fuzz FuzzDocuments -fuzztime 5m.
func FuzzDocuments(f *testing.F) {
	r := New()
	f.Fuzz(func(t *testing.T, s string) {
		for name, render := range withText(s) {
			out, err := render(r)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.HasPrefix(out, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
				t.Fatalf("%s: not a complete PDF", name)
			}
		}
	})
}

// TestDocumentsPrintEveryCharacter reads every document type with hard
// text back: what the fonts have prints as it is (in logical order as
// pdftotext reads it), what they lack as a visible "�".
func TestDocumentsPrintEveryCharacter(t *testing.T) {
	r := New()
	in := "Straubing 😀 | Łódź Żółć | Ελληνικά Кириллица | Mu\u0308ller | a\x00b\x1bc | 中文 Li | שלום"
	wants := []string{"Straubing �", "Łódź Żółć", "Ελληνικά Кириллица", "Müller", "a�b�c", "�� Li", "שלום"}
	for name, render := range withText(in) {
		out, err := render(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := pdfText(t, out)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: PDF text lacks %q: %s", name, w, text)
			}
		}
	}
}
