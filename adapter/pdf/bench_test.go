package pdf

import (
	"context"
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
