package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"mietwerk.dev/mietwerk/fleet"
)

// TestFleetIsolation is the isolation matrix of the fleet pages: the REG
// station user against a MUC vehicle (other station) and a vehicle of
// another tenant, for every page and action, reading and writing; admins
// only for tariff and category changes. Nothing may change.
func TestFleetIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		// A damage with a photo on each of the two out-of-reach vehicles.
		admin := e.client(t)
		admin.mustLogin(adminEmail)
		mucPath := vehiclePath(w.muc)
		p := admin.postMultipart(mucPath+"/damages", damageFields(admin.token(mucPath)),
			map[string]map[string][]byte{"photos": {"m.png": testImage(t, "png", 50, 50)}})
		wantStatus(t, p, http.StatusOK)
		mucPhoto := p.photoPaths()[0]
		fd := fleet.Damage{VehicleID: w.foreign.ID, View: "top", X: 10, Y: 10, Kind: "dent", Severity: "minor"}
		must(t, e.store.CreateDamage(w.foreignCtx, &fd))
		fp := fleet.PhotoData{Photo: fleet.Photo{DamageID: fd.ID, ContentType: "image/png", SizeBytes: 1, SHA256: "x", Storage: "db"},
			Data: []byte("secret"), Thumb: []byte("secret")}
		must(t, e.store.AddPhoto(w.foreignCtx, &fp))
		foreignPhoto := fmt.Sprintf("%s/damages/%d/photos/%d", vehiclePath(w.foreign), fd.ID, fp.ID)
		mucDamages, err := e.store.ListDamages(e.sys(), w.muc.ID, false)
		must(t, err)
		mucDmg := fmt.Sprintf("%s/damages/%d", mucPath, mucDamages[0].ID)
		foreignDmg := fmt.Sprintf("%s/damages/%d", vehiclePath(w.foreign), fd.ID)

		st := e.client(t)
		st.mustLogin(stationEmail)
		tok := st.token("/admin/vehicles")
		ownPath := vehiclePath(w.reg)
		// Own vehicle, but another vehicle's damage and photo in the path.
		crossPhoto := ownPath + mucPhoto[len(mucPath):]

		vehicleForm := url.Values{"csrf": {tok}, "plate": {"R-XX 1"}, "vin": {"WVWZZZ1KZAW000999"}, "make": {"X"}, "model": {"Y"},
			"station_id": {fmt.Sprint(e.reg.ID)}, "category_id": {fmt.Sprint(w.cat.ID)}, "fuel_type": {"petrol"}, "tank_litres": {"50"},
			"odometer_km": {"99999"}, "fuel_eighths": {"1"}, "cleanliness": {"dirty"}, "status": {"retired"}}
		block := url.Values{"csrf": {tok}, "block_kind": {"block"}, "block_from": {"2026-12-01"}, "block_to": {"2026-12-02"}}
		repaired := url.Values{"csrf": {tok}, "repaired_on": {"2026-11-27"}}
		for _, tc := range []struct {
			name string
			do   func() page
			want int
		}{
			{"other station: detail", func() page { return st.get(mucPath) }, 404},
			{"other tenant: detail", func() page { return st.get(vehiclePath(w.foreign)) }, 404},
			{"other station: edit", func() page { return st.post(mucPath, vehicleForm) }, 404},
			{"other tenant: edit", func() page { return st.post(vehiclePath(w.foreign), vehicleForm) }, 404},
			{"other station: add block", func() page { return st.post(mucPath+"/blocks", block) }, 404},
			{"other tenant: add block", func() page { return st.post(vehiclePath(w.foreign)+"/blocks", block) }, 404},
			{"other station: damage", func() page { return st.postMultipart(mucPath+"/damages", damageFields(tok), nil) }, 404},
			{"other tenant: damage", func() page { return st.postMultipart(vehiclePath(w.foreign)+"/damages", damageFields(tok), nil) }, 404},
			{"other station: photos", func() page {
				return st.postMultipart(mucDmg+"/photos", url.Values{"csrf": {tok}}, map[string]map[string][]byte{"photos": {"a.png": testImage(t, "png", 8, 8)}})
			}, 404},
			{"other tenant: photos", func() page {
				return st.postMultipart(foreignDmg+"/photos", url.Values{"csrf": {tok}}, map[string]map[string][]byte{"photos": {"a.png": testImage(t, "png", 8, 8)}})
			}, 404},
			{"other station: repaired", func() page { return st.post(mucDmg+"/repaired", repaired) }, 404},
			{"other tenant: repaired", func() page { return st.post(foreignDmg+"/repaired", repaired) }, 404},
			{"other station: photo", func() page { return st.get(mucPhoto) }, 404},
			{"other station: thumbnail", func() page { return st.get(mucPhoto + "/thumb") }, 404},
			{"other tenant: photo", func() page { return st.get(foreignPhoto) }, 404},
			{"other tenant: thumbnail", func() page { return st.get(foreignPhoto + "/thumb") }, 404},
			{"own vehicle, other's photo", func() page { return st.get(crossPhoto) }, 404},
			{"admin: other tenant's photo", func() page { return admin.get(foreignPhoto) }, 404},
			{"admin: other tenant's vehicle", func() page { return admin.get(vehiclePath(w.foreign)) }, 404},
			{"station: tariffs list", func() page { return st.get("/admin/tariffs") }, 200},
			{"station: tariff view", func() page { return st.get(fmt.Sprintf("/admin/tariffs/%d", w.tariff.ID)) }, 200},
			{"station: new tariff", func() page { return st.get("/admin/tariffs/new") }, 403},
			{"station: create tariff", func() page { return st.post("/admin/tariffs", url.Values{"csrf": {tok}, "code": {"X"}}) }, 403},
			{"station: edit tariff", func() page {
				return st.post(fmt.Sprintf("/admin/tariffs/%d", w.tariff.ID), url.Values{"csrf": {tok}, "price_per_day": {"1"}})
			}, 403},
			{"other tenant: tariff view", func() page { return st.get(fmt.Sprintf("/admin/tariffs/%d", w.foreignTariff.ID)) }, 404},
			{"admin: other tenant's tariff", func() page { return admin.get(fmt.Sprintf("/admin/tariffs/%d", w.foreignTariff.ID)) }, 404},
			{"station: categories", func() page { return st.get("/admin/categories") }, 403},
			{"station: category", func() page { return st.get(fmt.Sprintf("/admin/categories/%d", w.cat.ID)) }, 403},
			{"station: edit category", func() page {
				return st.post(fmt.Sprintf("/admin/categories/%d", w.cat.ID), url.Values{"csrf": {tok}, "code": {"ZZZZ"}})
			}, 403},
			{"admin: other tenant's category", func() page { return admin.get(fmt.Sprintf("/admin/categories/%d", w.foreignCat.ID)) }, 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := tc.do()
				wantStatus(t, p, tc.want)
				wantLacks(t, p, "secret", "M-MW 202", "PA-FR 303", "FREMD")
			})
		}
		// Search and list never show other stations' or tenants' vehicles.
		for _, q := range []string{"", "?q=MW", "?q=PA-FR", fmt.Sprintf("?station=%d", e.muc.ID), fmt.Sprintf("?station=%d", e.foreign.ID)} {
			p := st.get("/admin/vehicles" + q)
			wantStatus(t, p, http.StatusOK)
			wantLacks(t, p, "M-MW 202", "PA-FR 303")
		}
		// The station filter offers only the user's stations.
		wantLacks(t, st.get("/admin/vehicles"), "München Nord", "Fremdstation")

		// Nothing changed.
		for _, v := range []fleet.Vehicle{w.muc} {
			got, err := e.store.Vehicle(e.sys(), v.ID)
			must(t, err)
			if got.Plate != v.Plate || got.OdometerKM != v.OdometerKM || got.Status != v.Status {
				t.Errorf("vehicle %d changed: %+v", v.ID, got)
			}
		}
		got, err := e.store.Vehicle(w.foreignCtx, w.foreign.ID)
		must(t, err)
		if got.Plate != w.foreign.Plate || got.OdometerKM != w.foreign.OdometerKM {
			t.Errorf("foreign vehicle changed: %+v", got)
		}
		md, err := e.store.ListDamages(e.sys(), w.muc.ID, false)
		must(t, err)
		if len(md) != 1 || !md[0].Open() || len(md[0].Photos) != 1 {
			t.Errorf("MUC damages changed: %+v", md)
		}
		fds, err := e.store.ListDamages(w.foreignCtx, w.foreign.ID, false)
		must(t, err)
		if len(fds) != 1 || !fds[0].Open() || len(fds[0].Photos) != 1 {
			t.Errorf("foreign damages changed: %+v", fds)
		}
		tr, err := e.store.Tariff(e.sys(), w.tariff.ID)
		must(t, err)
		if tr.PricePerDayCents != 4990 {
			t.Errorf("tariff changed: %+v", tr)
		}
		c, err := e.store.Category(e.sys(), w.cat.ID)
		must(t, err)
		if c.Code != "CDMR" {
			t.Errorf("category changed: %+v", c)
		}
		for _, v := range []int64{w.muc.ID} {
			al, err := e.store.ListAllocations(e.sys(), v, e.clk.Now().AddDate(-1, 0, 0), e.clk.Now().AddDate(2, 0, 0))
			must(t, err)
			if len(al) != 0 {
				t.Errorf("blocks added to vehicle %d: %+v", v, al)
			}
		}
	})
}
