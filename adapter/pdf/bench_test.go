package pdf

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

func BenchmarkInvoicePDF(b *testing.B) {
	r, d := New(), invoiceDoc(finalInvoice(), document.German)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Invoice(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolPDF(b *testing.B) {
	r, d := New(), protocolDoc(document.Return, document.German)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Protocol(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContractPDF(b *testing.B) {
	r, d := New(), contractDoc(document.German)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Contract(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvoicePDFNames renders the final invoice for names beyond
// Windows-1252: Polish and Turkish take a prepared code page, Russian the
// Unicode fonts.
func BenchmarkInvoicePDFNames(b *testing.B) {
	for _, c := range []struct{ name, recipient string }{
		{"polish", "Łukasz Wójcik"},
		{"turkish", "Şükrü Yılmaz"},
		{"russian", "Дмитрий Иванов"},
	} {
		b.Run(c.name, func(b *testing.B) {
			inv := finalInvoice()
			inv.Recipient.Name = c.recipient
			r, d := New(), invoiceDoc(inv, document.German)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Invoice(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInvoicePDFLongTexts renders the final invoice with 3,000
// characters in every free text (names, addresses, branding, lines): the
// footer shortens its texts on every page, which cost time quadratic in
// their length before fit measured with a binary search.
func BenchmarkInvoicePDFLongTexts(b *testing.B) {
	r, long := New(), withText(strings.Repeat("Abcdefgh ", 333))["final invoice"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := long(r); err != nil {
			b.Fatal(err)
		}
	}
}
