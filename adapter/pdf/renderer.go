// Package pdf renders Mietwerk documents (invoices, credit notes, protocols,
// contracts) as PDF with github.com/go-pdf/fpdf. It implements
// document.Renderer. Output is deterministic: the same input always gives
// the same bytes, because issued documents are stored with their SHA-256.
package pdf

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

const fontFamily = "DejaVu"

// Renderer renders PDFs. The zero value is ready to use and safe for
// concurrent use.
type Renderer struct{}

// New returns a Renderer.
func New() *Renderer { return &Renderer{} }

var _ document.Renderer = (*Renderer)(nil)

// Invoice renders an invoice or credit note meeting §14 UStG. It returns an
// errs.KindInvalid error when the invoice misses a mandatory field.
func (r *Renderer) Invoice(ctx context.Context, d document.InvoiceDoc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateInvoiceDoc(d); err != nil {
		return nil, err
	}
	return render(d.Lang, d.Invoice.IssueDate, d.Branding, invoiceTitle(labelsFor(d.Lang), d.Invoice)+" "+d.Invoice.Number,
		func(w *writer) { writeInvoice(w, d) })
}

// Protocol renders a handover or return protocol. It returns an
// errs.KindInvalid error when contract number or reading time is missing.
func (r *Renderer) Protocol(ctx context.Context, d document.ProtocolDoc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateProtocolDoc(d); err != nil {
		return nil, err
	}
	return render(d.Lang, d.Reading.Time, d.Branding, labelsFor(d.Lang).get(string(d.Kind))+" "+d.ContractNumber,
		func(w *writer) { writeProtocol(w, d) })
}

// Contract renders a rental contract. It returns an errs.KindInvalid error
// when number or issue time is missing.
func (r *Renderer) Contract(ctx context.Context, d document.ContractDoc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := validateContractDoc(d); err != nil {
		return nil, err
	}
	return render(d.Lang, d.IssuedAt, d.Branding, labelsFor(d.Lang).get("contract")+" "+d.Number,
		func(w *writer) { writeContract(w, d) })
}

// render sets up a deterministic A4 document, lets body fill it and returns
// the bytes: with the fonts of the first code page that has all of its
// text, else with the Unicode fonts (see codepage.go). A malformed image
// (logo, signature) is reported as invalid input.
func render(lang document.Lang, created time.Time, b document.Branding, title string, body func(*writer)) ([]byte, error) {
	if useCodePages {
		var seen map[rune]struct{} // the document's characters beyond ASCII
		for i, cp := range codePages {
			if i > 0 && !cp.covers(seen) {
				continue
			}
			out, enc, err := renderWith(cp, lang, created, b, title, body)
			if err != nil || !enc.missing {
				return out, err
			}
			if i == 0 {
				seen = enc.seen
			}
		}
	}
	out, _, err := renderWith(nil, lang, created, b, title, body)
	return out, err
}

// renderWith renders with the fonts of code page cp, or the Unicode fonts
// for nil, and returns the encoder (nil for Unicode): when it is missing
// characters, no PDF is returned.
func renderWith(cp *codePage, lang document.Lang, created time.Time, b document.Branding, title string, body func(*writer)) ([]byte, *encoder, error) {
	w := newWriter(lang, created, b, title, cp)
	body(w)
	w.f.Close() // writes the last footer, so its text is checked below too
	if err := w.f.Error(); err != nil {
		return nil, w.enc, errs.Wrap(errs.KindInvalid, "document.unrenderable", err)
	}
	if w.enc != nil && w.enc.missing {
		return nil, w.enc, nil
	}
	var buf bytes.Buffer
	if err := w.f.Output(&buf); err != nil {
		return nil, w.enc, fmt.Errorf("pdf: output: %w", err)
	}
	if fpdfCompresses || cp == nil {
		return buf.Bytes(), w.enc, nil
	}
	out, err := compressStreams(buf.Bytes()) // see compress.go
	return out, w.enc, err
}

// newFpdf returns an A4 document with the embedded fonts (of code page cp,
// or Unicode for nil) and fixed metadata.
func newFpdf(cp *codePage) *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	// the code pages' documents are compressed by compressStreams; the
	// Unicode fonts' ToUnicode map is a bare stream fpdf leaves
	// uncompressed, which compressStreams would not tell from a page
	f.SetCompression(fpdfCompresses || cp == nil)
	f.SetCatalogSort(true)
	if cp != nil {
		cp.addFonts(f)
	} else {
		f.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
		f.AddUTF8FontFromBytes(fontFamily, "B", fontBold)
	}
	f.SetProducer("Mietwerk", true)
	f.SetCreator("Mietwerk", true)
	return f
}
