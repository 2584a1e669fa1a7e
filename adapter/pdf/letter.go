package pdf

import (
	"context"
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

// Letter renders a letter (the keeper's answer to an authority, a letter
// to a customer). It returns an errs.KindInvalid error when date, subject
// or recipient is missing.
func (r *Renderer) Letter(ctx context.Context, d document.LetterDoc) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var f errs.Fields
	if d.Date.IsZero() {
		f.Add("date", "field.required")
	}
	if strings.TrimSpace(d.Subject) == "" {
		f.Add("subject", "field.required")
	}
	if len(d.Recipient) == 0 || strings.TrimSpace(d.Recipient[0]) == "" {
		f.Add("recipient", "field.required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return render(d.Lang, d.Date, d.Branding, d.Subject, func(w *writer) { writeLetter(w, d) })
}

// writeLetter lays out a DIN-5008-like letter: the sender line, the
// recipient's address, the date, the subject, the facts, the body and
// the closing.
func writeLetter(w *writer, d document.LetterDoc) {
	f := w.f
	w.logo()
	f.SetY(marginT + 22)
	sender := append([]string{d.Branding.LegalName}, addressLines(d.Branding.Address)...)
	w.font(false, smallSize)
	f.SetX(marginL)
	w.cellFormat(contentW, smallLineH, w.fit(strings.Join(sender, " · "), contentW), "", 1, "L", false, 0, "")
	f.Ln(2)
	w.font(false, bodySize)
	for _, s := range d.Recipient {
		if strings.TrimSpace(s) == "" {
			continue
		}
		f.SetX(marginL)
		w.cellFormat(100, lineH, w.fit(s, 100), "", 1, "L", false, 0, "")
	}
	f.Ln(6)
	f.SetX(marginL)
	w.cellFormat(contentW, lineH, w.date(d.Date, d.Location), "", 1, "R", false, 0, "")
	f.Ln(4)
	w.font(true, headingSize)
	f.SetX(marginL)
	w.multiCell(contentW, 6, d.Subject, "", "L", false)
	w.font(false, bodySize)
	f.Ln(2)
	w.kv(marginL, 55, contentW-55, d.Facts...)
	for _, sec := range d.Sections {
		w.heading(sec.Heading)
		w.kv(marginL, 55, contentW-55, sec.Rows...)
	}
	f.Ln(3)
	for _, p := range d.Paragraphs {
		w.ensure(10)
		w.para(p)
		f.Ln(2)
	}
	if d.Closing != "" {
		f.Ln(2)
		w.para(d.Closing)
		w.para(d.Branding.LegalName)
	}
	if sg := d.Signature; sg != nil {
		w.ensure(45)
		f.Ln(4)
		w.para(sg.Label)
		y := f.GetY()
		h := w.image("signature", sg.PNG, marginL, y, 70, 25)
		f.SetY(y + h + 1)
		f.SetDrawColor(120, 120, 120)
		f.Line(marginL, f.GetY(), marginL+70, f.GetY())
		f.Ln(1)
		w.para(sg.Name)
	}
}
