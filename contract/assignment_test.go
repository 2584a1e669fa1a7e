package contract_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// signaturePNG is a small drawn signature.
func signaturePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 300, 90))
	for x := 10; x < 290; x++ {
		img.Set(x, 45+(x%20)-10, color.White)
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

// TestAssignmentOfClaims: an insurer-covered accident replacement gets the
// customer's signed assignment of claims. A missing name, a missing or
// broken signature are refused and store nothing; the signed PDF names the
// claim, the injured party, the dealership and the signer, and never
// changes (a second signature is refused); the insurer's invoice at return
// says the assignment is on file. A rental without an insurer has none.
// Both databases.
func TestAssignmentOfClaims(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		r := newSplitRental(t, w, cases[0], 1) // the insurer, claim SCH-1-77
		m := r.m
		txt, err := w.contracts.AssignmentText(m.admin, r.res.ID)
		must(t, err)
		if !strings.Contains(txt.Subject, "SCH-1-77") || len(txt.Paragraphs) != 3 || !strings.Contains(txt.Paragraphs[0], m.tn.LegalName) {
			t.Fatalf("assignment text %q %q", txt.Subject, txt.Paragraphs)
		}
		sig := signaturePNG(t)
		for _, tc := range []struct {
			name, signer string
			sig          []byte
			field        string
		}{
			{"no name", " ", sig, "signer_name"},
			{"no signature", "Eva Muster", nil, "signature"},
			{"not a PNG", "Eva Muster", []byte("<svg/>"), "signature"},
			{"a name with a control character", "Eva\x00Muster", sig, "signer_name"},
		} {
			_, err := w.contracts.SignAssignment(m.admin, r.res.ID, tc.signer, tc.sig)
			if e, ok := errs.As(err); !ok || !errs.Fields(e.Fields).Has(tc.field) {
				t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
			}
		}
		if _, ok, err := w.contracts.Assignment(m.admin, r.res.ID); err != nil || ok {
			t.Fatalf("a refused signature stored an assignment (%v)", err)
		}
		as, err := w.contracts.SignAssignment(m.admin, r.res.ID, "Eva Muster", sig)
		must(t, err)
		got, ok, err := w.contracts.Assignment(m.admin, r.res.ID)
		must(t, err)
		if !ok || got.SHA256 != as.SHA256 || !bytes.Equal(got.PDF, as.PDF) || got.SignerName != "Eva Muster" {
			t.Fatalf("stored assignment %v %+v", ok, got.SignerName)
		}
		text := strings.Join(strings.Fields(testenv.PDFText(t, got.PDF)), " ")
		for _, s := range []string{"Abtretungserklärung zum Schadenfall SCH-1-77", r.p.Name, "Eva Muster", m.tn.LegalName, "erfüllungshalber",
			r.res.Number} {
			if !strings.Contains(text, s) {
				t.Errorf("assignment PDF lacks %q:\n%s", s, text)
			}
		}
		if _, err := w.contracts.SignAssignment(m.admin, r.res.ID, "Max Muster", sig); !errs.Is(err, errs.KindConflict) {
			t.Errorf("a second signature: %v", err)
		}
		if _, err := w.s.DB().ExecContext(m.admin, `UPDATE cover_assignments SET signer_name = 'X'`); err == nil {
			t.Errorf("a signed assignment could be changed")
		}
		// the insurer's invoice says so
		_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
		must(t, err)
		if len(out.PayerInvoices) != 1 || !strings.Contains(out.PayerInvoices[0].Invoice.Note, "Abtretungserklärung des Geschädigten vom") {
			t.Errorf("payer invoice note: %+v", out.PayerInvoices)
		}
		// driver only: no assignment
		r2 := newSplitRental(t, w, cases[3], 2)
		if _, err := w.contracts.SignAssignment(m.admin, r2.res.ID, "Eva Muster", sig); !errs.Is(err, errs.KindConflict) {
			t.Errorf("a driver-only rental took an assignment: %v", err)
		}
	})
}
