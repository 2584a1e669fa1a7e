package mailtmpl

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestProtocolMailOfElectricCar: the protocol e-mail of an electric car
// names its state of charge and no fuel level; a plug-in hybrid's both.
func TestProtocolMailOfElectricCar(t *testing.T) {
	r := mustNew(t)
	soc := int64(80)
	for _, c := range []struct {
		name        string
		noFuel      bool
		want, wantN []string
	}{
		{"electric", true, []string{"Ladestand: 80 %", "Ladestand</td><td style=\"padding:2px 0;\"><strong>80 %"}, []string{"Tankfüllung"}},
		{"plug-in", false, []string{"Tankfüllung: 6/8\nLadestand: 80 %"}, nil},
	} {
		d := protocolMail()
		d.NoFuel, d.ChargePercent = c.noFuel, &soc
		m, err := r.HandoverProtocol(envelope(document.German), d)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(m.Text, w) && !strings.Contains(m.HTML, w) {
				t.Errorf("%s: the e-mail lacks %q:\n%s", c.name, w, m.Text)
			}
		}
		for _, w := range c.wantN {
			if strings.Contains(m.Text, w) || strings.Contains(m.HTML, w) {
				t.Errorf("%s: the e-mail has %q", c.name, w)
			}
		}
	}
}
