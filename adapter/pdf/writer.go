package pdf

import (
	"bytes"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW         = 210.0
	pageH         = 297.0
	marginL       = 20.0
	marginR       = 20.0
	marginT       = 18.0
	contentW      = pageW - marginL - marginR
	footerTop     = pageH - 27
	breakMargin   = 32.0
	lineH         = 5.0
	smallLineH    = 3.4
	bodySize      = 9.5
	smallSize     = 7.0
	headingSize   = 11.5
	titleSize     = 16.0
	logoImageName = "logo"
)

// writer is one document being written: the fpdf document plus the
// language, labels and branding every section needs.
type writer struct {
	f    *fpdf.Fpdf
	l    labels
	lang document.Lang
	b    document.Branding
	enc  *encoder // nil: Unicode fonts (see codepage.go)
}

// newWriter starts a document whose creation and modification dates are
// created (so the output depends only on the input) with the tenant's legal
// footer on every page.
func newWriter(lang document.Lang, created time.Time, b document.Branding, title string, cp *codePage) *writer {
	w := &writer{f: newFpdf(cp), l: labelsFor(lang), lang: lang.Or(), b: b}
	if cp != nil {
		w.enc = newEncoder(cp)
	}
	f := w.f
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	f.SetTitle(printable(title, true), true)
	f.SetAuthor(printable(b.LegalName, true), true)
	f.SetLang(string(w.lang))
	f.SetMargins(marginL, marginT, marginR)
	f.SetAutoPageBreak(true, breakMargin)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(w.footer)
	f.AddPage()
	w.font(false, bodySize)
	return w
}

func (w *writer) font(bold bool, size float64) {
	style := ""
	if bold {
		style = "B"
	}
	w.f.SetFont(fontFamily, style, size)
}

// footer prints the legal footer (address, register, managing directors,
// tax ids, bank) and the page number.
func (w *writer) footer() {
	f, b, l := w.f, w.b, w.l
	f.SetDrawColor(160, 160, 160)
	f.SetLineWidth(0.2)
	f.Line(marginL, footerTop-2, pageW-marginR, footerTop-2)
	w.font(false, smallSize)
	f.SetTextColor(80, 80, 80)

	col1 := append([]string{b.LegalName}, addressLines(b.Address)...)
	if b.Phone != "" {
		col1 = append(col1, l.get("phone")+" "+b.Phone)
	}
	if b.Email != "" {
		col1 = append(col1, b.Email)
	}
	if b.Website != "" {
		col1 = append(col1, b.Website)
	}
	var col2 []string
	if b.RegisterCourt != "" || b.RegisterNumber != "" {
		col2 = append(col2, l.get("register")+": "+strings.TrimSpace(b.RegisterCourt+" "+b.RegisterNumber))
	}
	if len(b.ManagingDirectors) > 0 {
		col2 = append(col2, l.get("managing")+": "+strings.Join(b.ManagingDirectors, ", "))
	}
	if b.TaxNumber != "" {
		col2 = append(col2, l.get("our_tax_number")+": "+b.TaxNumber)
	}
	if b.VATID != "" {
		col2 = append(col2, l.get("our_vat_id")+": "+b.VATID)
	}
	var col3 []string
	if b.IBAN != "" {
		col3 = append(col3, l.get("bank")+":")
		if b.BankName != "" {
			col3 = append(col3, b.BankName)
		}
		col3 = append(col3, "IBAN "+b.IBAN)
		if b.BIC != "" {
			col3 = append(col3, "BIC "+b.BIC)
		}
	}
	cols := [][]string{col1, col2, col3}
	widths := []float64{52, 68, 50}
	x := marginL
	for i, c := range cols {
		// the legal details are printed whole (a managing director's name
		// must not end in "…"): long entries wrap, and a column that then
		// has more lines than the footer holds is set smaller
		size, lineH := smallSize, smallLineH
		lines := w.wrapAll(c, widths[i]-1)
		for len(lines) > footerLines && size > 5 {
			size -= 0.5
			lineH = smallLineH * size / smallSize
			w.font(false, size)
			lines = w.wrapAll(c, widths[i]-1)
		}
		for j, s := range lines {
			if float64(j+1)*lineH > footerLines*smallLineH {
				break // still too long in the smallest size: the rest is cut
			}
			f.SetXY(x, footerTop+float64(j)*lineH)
			w.cellFormat(widths[i], lineH, w.fit(s, widths[i]), "", 0, "L", false, 0, "")
		}
		w.font(false, smallSize)
		x += widths[i]
	}
	f.SetXY(marginL, pageH-9)
	w.cellFormat(contentW, smallLineH, l.get("page", f.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
	f.SetTextColor(0, 0, 0)
}

// text returns one line of text as the document's fonts print it:
// printable, in drawing order and encoded for the fonts.
func (w *writer) text(s string) string {
	return w.encode(visual(printable(s, true)))
}

// encode returns printable text in the fonts' encoding.
func (w *writer) encode(s string) string {
	if w.enc == nil {
		return s
	}
	return w.enc.encode(s)
}

// cellFormat is fpdf's CellFormat for one line of text s.
func (w *writer) cellFormat(wd, h float64, s, border string, ln int, align string, fill bool, link int, linkStr string) {
	w.f.CellFormat(wd, h, w.text(s), border, ln, align, fill, link, linkStr)
}

// multiCell is fpdf's MultiCell for text s, wrapped to width wd. Text with
// right-to-left parts is wrapped here first, so each line can be put in
// drawing order on its own.
func (w *writer) multiCell(wd, h float64, s, border, align string, fill bool) {
	s = printable(s, false)
	if w.enc == nil && hasRTL(s) { // (the code pages have no right-to-left characters: encode notes them missing)
		lines := w.f.SplitText(s, wd)
		for i, l := range lines {
			lines[i] = visual(l)
		}
		s = strings.Join(lines, "\n")
	}
	w.f.MultiCell(wd, h, w.encode(s), border, align, fill)
}

// lines returns how many lines s takes when wrapped to width wd in the
// current font.
func (w *writer) lines(s string, wd float64) int {
	s = printable(s, false)
	if w.enc == nil {
		return len(w.f.SplitText(s, wd))
	}
	return len(w.f.SplitLines([]byte(w.enc.encode(s)), wd))
}

// width is the width of one line of text s in the current font.
func (w *writer) width(s string) float64 { return w.f.GetStringWidth(w.text(s)) }

// footerLines is how many lines of the small size the footer holds.
const footerLines = 6

// wrapAll breaks each of texts into lines of at most wd millimetres in the
// current font, at spaces (a single word longer than wd stays one line).
func (w *writer) wrapAll(texts []string, wd float64) []string {
	var out []string
	for _, t := range texts {
		line := ""
		for _, word := range strings.Fields(t) {
			if line != "" && w.width(line+" "+word) > wd {
				out = append(out, line)
				line = word
				continue
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// maxFitRunes is more characters than the widest cell holds in the
// smallest font (170 mm at 6.5 pt take at most about 270 of DejaVu's
// narrowest glyphs).
const maxFitRunes = 512

// fit shortens s with "…" until it fits width wd in the current font.
func (w *writer) fit(s string, wd float64) string {
	r := []rune(s)
	if len(r) <= maxFitRunes && w.width(s) <= wd-1 {
		return s
	}
	// more than maxFitRunes characters never fit on a line, so only that
	// many are measured (the footer fits its texts on every page)
	r = r[:min(len(r), maxFitRunes)]
	// the longest prefix (at least one character) that fits with "…":
	// widths grow with the prefix, so a binary search finds it with log n
	// measurements (cutting one character at a time took n, each O(n), and
	// the footer does it on every page)
	lo, hi := 1, max(len(r)-1, 1)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if w.width(string(r[:mid])+"…") <= wd-1 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(r[:lo]) + "…"
}

// ensure starts a new page when less than h millimetres are left above the
// footer.
func (w *writer) ensure(h float64) {
	if w.f.GetY()+h > pageH-breakMargin {
		w.f.AddPage()
	}
}

// title prints a large bold heading.
func (w *writer) title(s string) {
	w.font(true, titleSize)
	w.f.SetX(marginL)
	w.cellFormat(contentW, 9, s, "", 1, "L", false, 0, "")
	w.font(false, bodySize)
}

// heading prints a section heading with a rule under it.
func (w *writer) heading(s string) {
	w.ensure(14)
	w.f.Ln(3)
	w.font(true, headingSize)
	w.f.SetX(marginL)
	w.cellFormat(contentW, 6.5, s, "B", 1, "L", false, 0, "")
	w.f.Ln(1)
	w.font(false, bodySize)
}

// para prints wrapped text over the content width.
func (w *writer) para(s string) {
	w.f.SetX(marginL)
	w.multiCell(contentW, lineH-0.5, s, "", "L", false)
}

// kv prints label: value pairs, one per line, label in bold in a column of
// width lw.
func (w *writer) kv(x, lw, vw float64, pairs ...[2]string) {
	for _, p := range pairs {
		if p[1] == "" {
			continue
		}
		w.f.SetX(x)
		w.font(true, bodySize)
		w.cellFormat(lw, lineH, p[0], "", 0, "L", false, 0, "")
		w.font(false, bodySize)
		w.multiCell(vw, lineH, p[1], "", "L", false)
	}
}

// col is one cell of a table row.
type col struct {
	w     float64
	s     string
	align string // "L", "R", "C"
}

// row prints one table row; cells wrap, and the row is as tall as its
// tallest cell. bold prints the row in bold; border draws a rule under it.
func (w *writer) row(cols []col, bold bool, border bool) {
	w.font(bold, bodySize)
	h := lineH
	for _, c := range cols {
		if n := w.lines(c.s, c.w-1); float64(n)*lineH > h {
			h = float64(n) * lineH
		}
	}
	w.ensure(h)
	y := w.f.GetY()
	x := marginL
	for _, c := range cols {
		w.f.SetXY(x, y)
		align := c.align
		if align == "" {
			align = "L"
		}
		w.multiCell(c.w, lineH, c.s, "", align, false)
		x += c.w
	}
	w.f.SetXY(marginL, y+h)
	if border {
		w.f.SetDrawColor(190, 190, 190)
		w.f.SetLineWidth(0.2)
		w.f.Line(marginL, y+h, marginL+sumW(cols), y+h)
	}
	w.font(false, bodySize)
}

func sumW(cols []col) float64 {
	var s float64
	for _, c := range cols {
		s += c.w
	}
	return s
}

// logo draws the tenant logo, if any, in the top right corner of the page.
func (w *writer) logo() {
	if len(w.b.LogoPNG) == 0 {
		return
	}
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	info := w.f.RegisterImageOptionsReader(logoImageName, opt, bytes.NewReader(w.b.LogoPNG))
	if info == nil || w.f.Err() {
		return
	}
	const maxW, maxH = 45.0, 18.0
	iw, ih := info.Extent()
	sw, sh := maxW, maxW*ih/iw
	if sh > maxH {
		sw, sh = maxH*iw/ih, maxH
	}
	w.f.ImageOptions(logoImageName, pageW-marginR-sw, marginT-6, sw, sh, false, opt, 0, "")
}

// image draws PNG bytes registered under name into the box (x, y, maxW,
// maxH), keeping the aspect ratio, and returns the height used.
func (w *writer) image(name string, png []byte, x, y, maxW, maxH float64) float64 {
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	info := w.f.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
	if info == nil || w.f.Err() {
		return 0
	}
	iw, ih := info.Extent()
	sw, sh := maxW, maxW*ih/iw
	if sh > maxH {
		sw, sh = maxH*iw/ih, maxH
	}
	w.f.ImageOptions(name, x, y, sw, sh, false, opt, 0, "")
	return sh
}

// addressLines returns the printed lines of an address; the country is
// printed only when it is not Germany.
func addressLines(a invoice.Address) []string {
	var out []string
	for _, s := range []string{a.Street, a.Extra, strings.TrimSpace(a.PostalCode + " " + a.City)} {
		if s != "" {
			out = append(out, s)
		}
	}
	if a.Country != "" && !strings.EqualFold(a.Country, "DE") {
		out = append(out, strings.ToUpper(a.Country))
	}
	return out
}

// money, date etc. format in the writer's language.
func (w *writer) money(c int64) string { return w.lang.Money(c) }
func (w *writer) date(t time.Time, loc *time.Location) string {
	return w.lang.Date(locale.In(t, loc))
}
func (w *writer) dateTime(t time.Time, loc *time.Location) string {
	return w.lang.DateTime(locale.In(t, loc))
}
