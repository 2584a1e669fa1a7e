package web

import (
	"bytes"
	"encoding/csv"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/invoice"
)

// TestCSVCellNeutralised: text starting with =, +, -, @, tab or CR gets a
// single quote in front; numbers the program formatted stay numbers, also
// negative ones; a "number" that is not one is neutralised like text.
func TestCSVCellNeutralised(t *testing.T) {
	for _, tc := range []struct {
		c    csvCell
		want string
	}{
		{csvText(`=HYPERLINK("http://evil.example","klick")`), `'=HYPERLINK("http://evil.example","klick")`},
		{csvText("+49 941 1234"), "'+49 941 1234"},
		{csvText("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0"},
		{csvText("@SUM(A1:A9)"), "'@SUM(A1:A9)"},
		{csvText("\t=1+1"), "'\t=1+1"},
		{csvText("\r=1+1"), "'\r=1+1"},
		{csvText("Eva Muster"), "Eva Muster"},
		{csvText("a=b"), "a=b"},
		{csvText(""), ""},
		{csvNum("-1.234,50 €"), "-1.234,50 €"},
		{csvNum("-€1,234.50"), "-€1,234.50"},
		{csvNum("-12,50"), "-12,50"},
		{csvNum("0,00"), "0,00"},
		{csvNum("33.3"), "33.3"},
		{csvNum("7"), "7"},
		{csvNum("-1+1"), "'-1+1"},
		{csvNum("=1"), "'=1"},
		{csvNum("-"), "'-"},
	} {
		if got := tc.c.cell(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestJournalCSVNeutralisesText: customer names, VAT ids and numbers on the
// journal that could start a formula come out as text; the amounts,
// negative for credit notes, stay numbers.
func TestJournalCSVNeutralisesText(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	es := []invoice.JournalEntry{
		{ID: 1, Number: "R-1", Kind: invoice.KindStandalone, IssuedAt: at, CustomerName: `=HYPERLINK("http://x","y")`, CustomerVATID: "@1",
			StationName: "+Station", ReservationNumber: "-B1", PayerID: 7, PayerKind: "insurer", PayerName: "=cmd|calc", Gross: 11900, Net: 10000, VAT: 1900,
			Rates: []invoice.RateTotal{{RateBP: 1900, Net: 10000, VAT: 1900, Gross: 11900}}},
		{ID: 2, Number: "G-1", Kind: invoice.KindCreditNote, IssuedAt: at, CustomerName: "\t=1+2", CorrectsNumber: "R-1",
			Gross: 1190, Net: 1000, VAT: 190, Rates: []invoice.RateTotal{{RateBP: 1900, Net: 1000, VAT: 190, Gross: 1190}}},
	}
	var buf bytes.Buffer
	if err := writeJournalCSV(&buf, "de", es, invoice.SumJournal(es)); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("rows: %q", rows)
	}
	if got := rows[1][:8]; got[3] != `'=HYPERLINK("http://x","y")` || got[4] != "'=cmd|calc (Versicherung)" || got[5] != "'@1" ||
		got[6] != "'+Station" || got[7] != "'-B1" {
		t.Errorf("invoice row text cells: %q", got)
	}
	if got := rows[2][3]; got != "'\t=1+2" {
		t.Errorf("credit note customer: %q", got)
	}
	last := rows[2][len(rows[2])-2:]
	if last[0] != "-11,90" {
		t.Errorf("credit note gross must stay a negative number: %q", rows[2])
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if i >= 9 && strings.HasPrefix(cell, "'") {
				t.Errorf("amount column %d neutralised: %q", i, cell)
			}
		}
	}
}

// TestEveryCSVExportUsesTheHelper: no code outside csvexport.go writes CSV
// itself, so no export can bypass the neutralisation.
func TestEveryCSVExportUsesTheHelper(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/csv" && filepath.Base(path) != "csvexport.go" {
				t.Errorf("%s writes CSV without the neutralising helper (web/csvexport.go)", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
