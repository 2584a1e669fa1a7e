package web

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// CSV exports are opened in Excel or LibreOffice Calc, which run a cell
// starting with "=", "+", "-" or "@" (and after a tab or carriage return)
// as a formula: a customer named "=HYPERLINK(…)" or a receipt reference
// "+cmd|…" would run in the accountant's spreadsheet. Every CSV export
// therefore goes through csvExport, and every cell is either
//
//   - csvText: anything that may come from a person (names, references,
//     reasons, labels). A value starting with one of those characters gets
//     a single quote in front (OWASP's CSV injection advice), so the
//     spreadsheet shows it as text; or
//   - csvNum: a number this program formatted (amounts, counts, percent).
//     Those stay numbers for the accountant, also when negative ("-12,50"):
//     they are never user text. A csvNum that does not look like a number
//     the program writes is neutralised like text, so a mistake cannot
//     open a hole.

// csvCell is one cell of an export.
type csvCell struct {
	v   string
	num bool
}

// csvText is a text cell (neutralised when it could start a formula).
func csvText(s string) csvCell { return csvCell{v: s} }

// csvNum is a cell holding a number formatted by the program: digits with
// "." or "," separators, an optional leading "-", an optional " €", "€" or
// " %" unit.
func csvNum(s string) csvCell { return csvCell{v: s, num: true} }

// csvAmount is an amount of cents as accountants' spreadsheets read it in
// every export: a decimal comma, no thousands separator, no currency sign
// (the column's heading names the currency), "-" for negatives — a number
// the spreadsheet sums, also where "1.234,50 €" would stay text.
func csvAmount(cents int64) csvCell {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign, u = "-", -u
	}
	return csvNum(fmt.Sprintf("%s%d,%02d", sign, u/100, u%100))
}

// csvDecimal is x with prec decimals and a decimal comma ("12,5"): a
// decimal point would make a German spreadsheet read "12.5" as a date.
func csvDecimal(x float64, prec int) csvCell {
	return csvNum(strings.Replace(strconv.FormatFloat(x, 'f', prec, 64), ".", ",", 1))
}

// csvTexts turns strings into text cells.
func csvTexts(ss ...string) []csvCell {
	out := make([]csvCell, len(ss))
	for i, s := range ss {
		out[i] = csvText(s)
	}
	return out
}

// programNumber matches what the program writes as numbers: 12, -1.234,50,
// 12.5, 1.234,50 €, -€1,234.50, 33,3 %.
var programNumber = regexp.MustCompile(`^-?€?[0-9]+([.,][0-9]+)*( ?€| %)?$`)

// formulaStart reports whether a spreadsheet would read s as a formula.
func formulaStart(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// cell returns the text written for c.
func (c csvCell) cell() string {
	if c.num && programNumber.MatchString(c.v) {
		return c.v
	}
	if formulaStart(c.v) {
		return "'" + c.v
	}
	return c.v
}

// csvExport writes a CSV export for German spreadsheets: UTF-8 with a BOM
// (so Excel reads it as UTF-8), semicolons, CRLF line ends when crlf.
type csvExport struct{ w *csv.Writer }

// newCSVExport writes the BOM and returns the writer.
func newCSVExport(w io.Writer, crlf bool) (*csvExport, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = crlf
	return &csvExport{w: cw}, nil
}

// row writes one line (an empty line for no cells).
func (e *csvExport) row(cells []csvCell) error {
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i] = c.cell()
	}
	return e.w.Write(rec)
}

// close flushes the export and returns the first write error.
func (e *csvExport) close() error {
	e.w.Flush()
	return e.w.Error()
}
