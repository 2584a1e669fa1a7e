package pdf

import (
	"bytes"
	"context"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestFontCacheIdenticalOutput renders every document type with the cached
// fonts and with fonts parsed per document: the bytes must be identical,
// so the cache can never change an issued document.
func TestFontCacheIdenticalOutput(t *testing.T) {
	if !fonts.load() {
		t.Fatal("the font cache does not understand this fpdf version; PDFs are rendered the slow way")
	}
	useWinAnsi = false // the cache is for the Unicode fonts
	t.Cleanup(func() { useWinAnsi = true })
	r, ctx := New(), context.Background()
	cases := map[string]func() ([]byte, error){
		"final invoice de":  func() ([]byte, error) { return r.Invoice(ctx, invoiceDoc(finalInvoice(), document.German)) },
		"advance invoice":   func() ([]byte, error) { return r.Invoice(ctx, invoiceDoc(advanceInvoice(), document.German)) },
		"credit note en":    func() ([]byte, error) { return r.Invoice(ctx, invoiceDoc(creditNote(), document.English)) },
		"return protocol":   func() ([]byte, error) { return r.Protocol(ctx, protocolDoc(document.Return, document.German)) },
		"handover protocol": func() ([]byte, error) { return r.Protocol(ctx, protocolDoc(document.Handover, document.English)) },
		"contract de":       func() ([]byte, error) { return r.Contract(ctx, contractDoc(document.German)) },
		"contract en":       func() ([]byte, error) { return r.Contract(ctx, contractDoc(document.English)) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			cached, err := render()
			if err != nil {
				t.Fatal(err)
			}
			useFontCache = false
			parsed, err := render()
			useFontCache = true
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cached, parsed) {
				t.Fatalf("cached fonts give %d bytes, parsed fonts %d bytes, and they differ", len(cached), len(parsed))
			}
			again, err := render()
			if err != nil || !bytes.Equal(again, cached) {
				t.Fatalf("a second render with the cache differs (%v)", err)
			}
		})
	}
}
