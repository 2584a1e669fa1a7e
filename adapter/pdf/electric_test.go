package pdf

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestElectricCarDocuments: the contract of an electric car prints its
// charging price instead of refuelling; its return protocol prints the
// states of charge and ranges instead of the fuel gauge.
func TestElectricCarDocuments(t *testing.T) {
	c := contractDoc(document.German)
	c.Tariff.NoFuel, c.Tariff.ChargePerKWh, c.Tariff.BatteryKWh = true, 59, 58
	b, err := New().Contract(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdfText(t, b)
	mustContain(t, txt, "Ladestrom je fehlender kWh (Batterie 58 kWh) 0,59 €")
	if strings.Contains(txt, "Betankung") {
		t.Errorf("the electric car's contract prints refuelling")
	}

	p := protocolDoc(document.Return, document.German)
	out, in, r1, r2 := 80, 50, 310, 190
	p.Reading.NoFuel, p.Reading.ChargePercent, p.Reading.RangeKM = true, &in, &r2
	p.Handover.NoFuel, p.Handover.ChargePercent, p.Handover.RangeKM = true, &out, &r1
	b, err = New().Protocol(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	txt = pdfText(t, b)
	mustContain(t, txt, "Ladestand 80 % 50 %", "Reichweite 310 km 190 km")
	if strings.Contains(txt, "Tankfüllung") {
		t.Errorf("the electric car's protocol prints a fuel level:\n%s", txt)
	}
}
