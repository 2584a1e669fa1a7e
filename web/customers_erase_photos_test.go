package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/web"
)

// TestErasureDeletesPhotoFiles: erasing a customer deletes the damage
// photos of their rentals older than the photo retention — with photos in
// the --photo-dir folder, the image and thumbnail files too; a newer photo
// and its files stay.
func TestErasureDeletesPhotoFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		dir := filepath.Join(t.TempDir(), "photos")
		photos := photofs.At(dir)
		e.srv.Close()
		e.srv = httptest.NewServer(web.New(web.Deps{
			Identity: e.id, Users: e.store, Tenancy: e.store, Now: e.clk.Now,
			Fleet: e.store, Damages: e.store, Categories: e.store, Pricing: e.store, Tariffs: e.store,
			Mail: e.store, Bookings: e.store, Photos: photos, Logger: slog.New(slog.NewJSONHandler(e.log, nil)),
		}))
		t.Cleanup(e.srv.Close)

		ctx := e.sys()
		now := e.clk.Now()
		c, err := e.store.StartContract(ctx, &contract.Handover{ReservationID: w.resReg.ID, LicenceChecked: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Anna", LastName: "Berger", LicenceNumber: "B072RRE2I55",
				LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE", CheckedBy: 1, CheckedAt: &now}},
			Protocol: contract.Protocol{OdometerKM: 1000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Anna Berger",
				NewDamages: []fleet.Damage{{View: "left", X: 20, Y: 40, Kind: "scratch", Severity: "minor", Description: "Kratzer Tür"}}}})
		must(t, err)
		ds, err := e.store.ListDamages(ctx, c.VehicleID, false)
		must(t, err)
		if len(ds) != 1 {
			t.Fatalf("%d damages", len(ds))
		}
		add := func(key string) {
			t.Helper()
			for _, k := range []string{key, key + "-thumb"} {
				must(t, photos.Put(context.Background(), k, []byte("jpeg "+k)))
			}
			must(t, e.store.AddPhoto(ctx, &fleet.PhotoData{Photo: fleet.Photo{DamageID: ds[0].ID, ContentType: "image/jpeg",
				SizeBytes: 9, SHA256: "abc", Storage: "dir", StorageKey: key}}))
		}
		add("damage-old")
		e.clk.Advance(400 * 24 * time.Hour) // beyond the default 365 days
		add("damage-new")
		for _, r := range []booking.Reservation{w.resReg, w.resMuc} {
			_, err := e.store.DB().Exec(`UPDATE reservations SET status = 'completed' WHERE id = $1`, r.ID)
			must(t, err)
		}

		path := fmt.Sprintf("/admin/customers/%d", w.anna.ID)
		ac := e.client(t)
		ac.mustLogin(adminEmail)
		p := ac.get(path + "/erase")
		p = ac.post(path+"/erase", url.Values{"csrf": {p.csrf(t)}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusOK)
		for key, want := range map[string]bool{"damage-old": false, "damage-old-thumb": false, "damage-new": true, "damage-new-thumb": true} {
			_, err := os.Stat(filepath.Join(dir, key))
			if exists := err == nil; exists != want {
				t.Errorf("file %s exists = %v after the erasure, want %v", key, exists, want)
			}
		}
	})
}
