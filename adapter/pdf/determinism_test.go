package pdf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestDeterministic renders each document type repeatedly, also
// concurrently and at different wall-clock times, and requires identical
// bytes: issued documents are stored with their SHA-256 and must never
// come out differently.
func TestDeterministic(t *testing.T) {
	r := New()
	ctx := context.Background()
	cases := map[string]func() ([]byte, error){
		"invoice de":  func() ([]byte, error) { return r.Invoice(ctx, invoiceDoc(finalInvoice(), document.German)) },
		"invoice en":  func() ([]byte, error) { return r.Invoice(ctx, invoiceDoc(creditNote(), document.English)) },
		"protocol de": func() ([]byte, error) { return r.Protocol(ctx, protocolDoc(document.Return, document.German)) },
		"contract en": func() ([]byte, error) { return r.Contract(ctx, contractDoc(document.English)) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			first, err := render()
			if err != nil {
				t.Fatal(err)
			}
			want := sha256.Sum256(first)
			var wg sync.WaitGroup
			sums := make([][32]byte, 8)
			for i := range sums {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, err := render()
					if err != nil {
						t.Error(err)
						return
					}
					sums[i] = sha256.Sum256(b)
				}()
			}
			wg.Wait()
			for i, s := range sums {
				if s != want {
					t.Errorf("render %d differs from the first (sha256 %x vs %x)", i, s, want)
				}
			}
		})
	}
}

// TestOutputDependsOnInput guards the determinism test against a renderer
// that ignores its input: a one-cent change must change the bytes, and the
// PDF creation date must be the document's issue time.
func TestOutputDependsOnInput(t *testing.T) {
	r := New()
	a, err := r.Invoice(context.Background(), invoiceDoc(advanceInvoice(), document.German))
	if err != nil {
		t.Fatal(err)
	}
	inv := advanceInvoice()
	inv.Lines[0].UnitGross++
	b, err := r.Invoice(context.Background(), invoiceDoc(inv, document.German))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("different invoices gave identical PDFs")
	}
	if !bytes.Contains(a, []byte("/CreationDate (D:20260311093000")) {
		t.Error("creation date is not the issue time 2026-03-11 09:30 UTC")
	}
}
