package pdf

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestLegalDetailsPrintedWhole: a GmbH & Co. KG's managing details run long
// (the general partner with its register, then its managing directors);
// the footer wraps them instead of cutting them with "…" (the law asks for
// them on every business letter), and the window envelope's sender line
// keeps the town however long the company name is.
func TestLegalDetailsPrintedWhole(t *testing.T) {
	d := invoiceDoc(finalInvoice(), document.German)
	d.Branding.ManagingDirectors = []string{"persönlich haftende Gesellschafterin: König Verwaltungs-GmbH (Amtsgericht Regensburg, HRB 14522), " +
		"vertreten durch die Geschäftsführer Thomas König und Sabine König-Huber"}
	d.Invoice.Supplier.Name = "Autohaus König GmbH & Co. KG"
	d.Invoice.Supplier.Address.Street = "Straubinger Straße 112"
	d.Invoice.Supplier.Address.City = "Regensburg"
	out, err := New().Invoice(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, out)), " ")
	for _, want := range []string{"Sabine König-Huber", "HRB 14522", "Straubinger Straße 112 · " + d.Invoice.Supplier.Address.PostalCode + " Regensburg"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if strings.Contains(text, "…") {
		t.Errorf("the PDF shortens a text with …:\n%s", pdfText(t, out))
	}
}
