package pdf

import (
	"context"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
)

func TestProtocolPDF(t *testing.T) {
	tests := []struct {
		name string
		doc  document.ProtocolDoc
		want []string
	}{
		{
			name: "handover de",
			doc:  protocolDoc(document.Handover, document.German),
			want: []string{
				"Übergabeprotokoll", "Mietvertrag MV-2026-000123", "Kennzeichen HH-AK 4711", "FIN WVWZZZCDZMW123456",
				"Volkswagen Golf 8 Variant", "Jörg Müßig", "Filiale Hamburg-Süd",
				"Zeitpunkt 14.03.2026, 10:30 Uhr", // 09:30 UTC in Berlin
				"Kilometerstand 12.345 km", "Tankfüllung 6/8", "Sauberkeit sauber", "Tankfüllung: 6/8",
				"1 links Kratzer leicht Tür hinten links, 5 cm vorhanden",
				"2 vorne Steinschlag mittel Frontscheibe unten vorhanden",
				"Unterschrift Kunde: Jörg Müßig", "Unterschrift Vermieter: Bärbel Weiß",
			},
		},
		{
			name: "return de compares with handover",
			doc:  protocolDoc(document.Return, document.German),
			want: []string{
				"Rücknahmeprotokoll", "Bei Übergabe Bei Rücknahme",
				"Kilometerstand 11.890 km 12.345 km", "Tankfüllung 8/8 6/8", "Sauberkeit sauber verschmutzt",
				"Gefahrene Kilometer 455 km", "Bei Übergabe: 8/8", "Bei Rücknahme: 6/8",
				"2 vorne Steinschlag mittel Frontscheibe unten neu",
			},
		},
		{
			name: "return en",
			doc:  protocolDoc(document.Return, document.English),
			want: []string{
				"Return protocol", "Rental contract MV-2026-000123", "Plate HH-AK 4711", "VIN WVWZZZCDZMW123456",
				"At handover At return", "Odometer 11,890 km 12,345 km", "Fuel level 8/8 6/8",
				"Cleanliness clean dirty", "Kilometres driven 455 km", "Time 11 Mar 2026, 10:30 14 Mar 2026, 10:30",
				"1 left Kratzer minor Tür hinten links, 5 cm existing", "2 front Steinschlag moderate Frontscheibe unten new",
				"Customer signature: Jörg Müßig",
			},
		},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := r.Protocol(context.Background(), tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, pdfText(t, b), tt.want...)
		})
	}
}

func TestProtocolPDFWithoutDamages(t *testing.T) {
	d := protocolDoc(document.Handover, document.English)
	d.Damages, d.SignaturePNG = nil, nil
	b, err := New().Protocol(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, pdfText(t, b), "No damages recorded.", "Handover protocol")
}

func TestProtocolPDFValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*document.ProtocolDoc)
		field  string
	}{
		{"no contract", func(d *document.ProtocolDoc) { d.ContractNumber = "" }, "contract_number"},
		{"no time", func(d *document.ProtocolDoc) { d.Reading.Time = time.Time{} }, "reading.time"},
		{"fuel above 8", func(d *document.ProtocolDoc) { d.Reading.FuelEighths = 9 }, "reading.fuel_eighths"},
		{"bad view", func(d *document.ProtocolDoc) { d.Damages[0].View = "inside" }, "damages[0].view"},
		{"bad kind", func(d *document.ProtocolDoc) { d.Kind = "x" }, "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := protocolDoc(document.Handover, document.German)
			tt.mutate(&d)
			_, err := New().Protocol(context.Background(), d)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || !errs.Fields(e.Fields).Has(tt.field) {
				t.Fatalf("err = %v; want invalid field %q", err, tt.field)
			}
		})
	}
}

// TestProtocolPDFUnsigned: without a signature no name stands under the
// empty line; the protocol says it was not signed and why.
func TestProtocolPDFUnsigned(t *testing.T) {
	d := protocolDoc(document.Handover, document.German)
	d.SignaturePNG, d.UnsignedReason = nil, "Kunde hat Hand in Gips"
	b, err := New().Protocol(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, b)), " ")
	mustContain(t, text, "Unterschrift Kunde: nicht unterschrieben – Kunde hat Hand in Gips")
	if strings.Contains(text, "Unterschrift Kunde: "+d.SignerName) {
		t.Errorf("the signer's name is printed under an empty line: %s", text)
	}
}

// TestProtocolPDFLongUnsignedReason: a long reason wraps under the
// customer's line instead of running into the staff's signature.
func TestProtocolPDFLongUnsignedReason(t *testing.T) {
	d := protocolDoc(document.Return, document.German)
	d.SignaturePNG = nil
	d.UnsignedReason = "Kunde nicht anwesend, Schlüssel im Briefkasten eingeworfen, Rückgabe außerhalb der Öffnungszeiten am Sonntagabend"
	b, err := New().Protocol(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdfText(t, b)), " ")
	mustContain(t, text, "Unterschrift Vermieter: "+d.StaffName)
	for _, word := range strings.Fields(d.UnsignedReason) {
		mustContain(t, text, word)
	}
	if strings.Contains(text, "…") {
		t.Errorf("the reason is cut: %s", text)
	}
}
