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
