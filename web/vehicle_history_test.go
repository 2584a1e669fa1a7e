package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
)

// returned records the return of ct at km through the form (preview, then
// the confirmation).
func returned(t *testing.T, c *client, ctID int64, km string) {
	t.Helper()
	path := fmt.Sprintf("/admin/contracts/%d/return", ctID)
	form := handoverForm(c.token(path), false, km)
	p := c.post(path, form)
	token := confirmRE.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || token == nil {
		t.Fatalf("return preview: %d %s %v %s", p.status, p.alert(), p.fieldErrors(), p.url)
	}
	form.Set("confirm", token[1])
	if p = c.post(path, form); p.status != http.StatusOK || strings.Contains(p.body, `id="f-confirm"`) {
		t.Fatalf("return: %d %s", p.status, p.alert())
	}
}

// TestVehicleHistory: the history lists the use with handover and return
// times, km out/in and the driver, the damage and a legacy reading below
// an earlier one (flagged), in time order; the CSV has German headers,
// dd.mm.yyyy and semicolons; another station's car is 404.
func TestVehicleHistory(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		vid := ce.res["reg"].VehicleID
		ce.clk.Advance(20 * time.Minute)
		must(t, ce.store.CreateDamage(ce.sys(), &fleet.Damage{VehicleID: vid, View: "left", X: 30, Y: 40,
			Kind: "dent", Severity: "medium", Description: "Delle hinten links", ContractID: ct.ID, ReportedAt: ce.clk.Now()}))
		c.get("/admin/contracts") // keeps the session alive
		ce.clk.Advance(20 * time.Minute)
		returned(t, c, ct.ID, "5120")
		// a reading imported from an older system, below the return
		v, err := ce.store.Vehicle(ce.sys(), vid)
		must(t, err)
		_, err = ce.store.DB().Exec(`INSERT INTO vehicle_conditions (tenant_id, vehicle_id, recorded_at, odometer_km, fuel_eighths, cleanliness, source)
			VALUES ($1, $2, $3, 5080, 8, 'clean', 'manual')`, v.TenantID, vid, ce.clk.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano))
		must(t, err)

		p := c.get(fmt.Sprintf("/admin/vehicles/%d", vid))
		wantContains(t, p, fmt.Sprintf(`href="/admin/vehicles/%d/history"`, vid))
		p = c.get(fmt.Sprintf("/admin/vehicles/%d/history", vid))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Fahrzeughistorie", ct.Number, "Eva Muster", "5.000 km", "5.120 km", "120 km", `id="km-back"`,
			"Kilometerstand unter einem früheren Stand (5.120 km)", "Delle hinten links")
		order := []string{">Übergabe<", ">Schaden gemeldet<", ">Rücknahme<", ">Zustand erfasst<"}
		body := p.body[strings.Index(p.body, `id="event-list"`):]
		for _, s := range order {
			i := strings.Index(body, s)
			if i < 0 {
				t.Fatalf("%q not after the previous events", s)
			}
			body = body[i+len(s):]
		}

		p = c.get(fmt.Sprintf("/admin/vehicles/%d/history.csv", vid))
		wantStatus(t, p, http.StatusOK)
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(p.body, "\ufeff")), "\n")
		if len(lines) != 6 || lines[0] != "Zeitpunkt;Ereignis;Vertrag;Vorgang;Fahrer;Kilometerstand;Tankfüllung;Sauberkeit;Details;Kilometer-Prüfung" {
			t.Fatalf("csv:\n%s", p.body)
		}
		day := ce.clk.Now().In(time.FixedZone("", 0)).Format("2006")
		if !strings.Contains(lines[2], ";Übergabe;"+ct.Number+";Vermietung;Eva Muster;5.000;8/8;") || !strings.Contains(lines[2], "."+day+" ") ||
			!strings.HasSuffix(lines[5], ";Kilometerstand unter einem früheren Stand (5.120 km)") || !strings.Contains(lines[4], ";Rücknahme;") {
			t.Fatalf("csv rows:\n%s", p.body)
		}

		other := ce.res["muc"].VehicleID
		for _, path := range []string{"/history", "/history.csv"} {
			if p := c.get(fmt.Sprintf("/admin/vehicles/%d%s", other, path)); p.status != http.StatusNotFound {
				t.Errorf("other station's %s: %d", path, p.status)
			}
		}
	})
}
