package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/web"
)

// protocolRecorder renders with the real renderer and keeps the protocol
// documents it was given.
type protocolRecorder struct {
	document.Renderer
	mu   sync.Mutex
	docs []document.ProtocolDoc
}

func (r *protocolRecorder) Protocol(ctx context.Context, d document.ProtocolDoc) ([]byte, error) {
	r.mu.Lock()
	r.docs = append(r.docs, d)
	r.mu.Unlock()
	return r.Renderer.Protocol(ctx, d)
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, 15, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return b.Bytes()
}

// TestHandoverDamagesOnDiagram: the handover form shows the diagram; two
// damages placed on it (one with a photo) are posted with the handover and
// stored in the same request: they are on the vehicle with their positions,
// in the handover protocol document, the photo is served to the station's
// user and hidden from another station and tenant. A bad photo comes back
// as a field error of its row and changes nothing. The return form shows
// the handover's damages on the diagram.
func TestHandoverDamagesOnDiagram(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		s := ce.store
		rec := &protocolRecorder{Renderer: pdf.New()}
		deps := storeContractDeps(s, ce.clk.Now)
		deps.Renderer = rec
		svc := contract.NewService(deps)
		ce.srv.Close()
		ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
			Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s,
			Contracts: svc, ContractData: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
		t.Cleanup(ce.srv.Close)
		reg := ce.res["reg"]
		c := ce.client(t)
		c.login(stationEmail, password)
		path := fmt.Sprintf("/admin/reservations/%d/handover", reg.ID)
		p := c.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="ct-diagram"`) || !strings.Contains(p.body, `id="damage-row-tpl"`) ||
			!strings.Contains(p.body, `enctype="multipart/form-data"`) {
			t.Fatalf("handover form: %d %s", p.status, ctExcerpt(p.body, "ct-damages"))
		}
		form := handoverForm(p.csrf(t), true, "5000")
		set := func(k, v string) { form.Set(k, v) }
		set("damages.0.view", "left")
		set("damages.0.x", "20.5")
		set("damages.0.y", "40")
		set("damages.0.kind", "scratch")
		set("damages.0.severity", "minor")
		set("damages.0.description", "Kratzer Tür hinten links")
		set("damages.3.view", "front")
		set("damages.3.x", "50")
		set("damages.3.y", "62.5")
		set("damages.3.kind", "dent")
		set("damages.3.severity", "medium")
		set("damages.3.description", "Delle Motorhaube")

		// a text file as photo: a field error on the row, nothing stored
		bad := c.postMultipart(path, form, map[string]map[string][]byte{"damages.3.photos": {"notiz.txt": []byte("kein Foto")}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `data-field="damages.1.photos"`) {
			t.Fatalf("bad photo: %d %s", bad.status, ctExcerpt(bad.body, "field-error"))
		}
		if _, err := s.ContractByReservation(ce.sys(), reg.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("a contract was stored despite the bad photo: %v", err)
		}
		if dms, err := s.ListDamages(ce.sys(), reg.VehicleID, false); err != nil || len(dms) != 0 {
			t.Fatalf("damages stored despite the bad photo: %+v %v", dms, err)
		}

		ok := c.postMultipart(path, form, map[string]map[string][]byte{"damages.0.photos": {"kratzer.png": testPNG(t)}})
		if ok.status != http.StatusOK || !strings.Contains(ok.url.RawQuery, "done=handover") {
			t.Fatalf("handover with damages: %d %s %s", ok.status, ok.url, ctExcerpt(ok.body, "field-error"))
		}
		ct, err := s.ContractByReservation(ce.sys(), reg.ID)
		must(t, err)
		dms, err := s.ListDamages(ce.sys(), reg.VehicleID, true)
		must(t, err)
		if len(dms) != 2 {
			t.Fatalf("damages %+v", dms)
		}
		byKind := map[string]fleet.Damage{}
		for _, dm := range dms {
			byKind[dm.Kind] = dm
		}
		sc, dent := byKind["scratch"], byKind["dent"]
		byText := map[string]fleet.Damage{} // the protocol prints the kind in the customer's language
		for k, d := range byKind {
			byText[locale.German.T(locale.Key("damage.kind."+k))] = d
		}
		if sc.View != "left" || sc.X != 20.5 || sc.Y != 40 || sc.ContractID != ct.ID || len(sc.Photos) != 1 ||
			dent.View != "front" || dent.X != 50 || dent.Y != 62.5 || dent.Severity != "medium" || len(dent.Photos) != 0 {
			t.Fatalf("stored damages %+v", dms)
		}
		rec.mu.Lock()
		docs := append([]document.ProtocolDoc(nil), rec.docs...)
		rec.mu.Unlock()
		if len(docs) != 1 || len(docs[0].Damages) != 2 {
			t.Fatalf("protocol documents %+v", docs)
		}
		for _, dd := range docs[0].Damages {
			want := byText[dd.Kind]
			if string(dd.View) != want.View || dd.XPercent != want.X || dd.YPercent != want.Y || dd.Description != want.Description {
				t.Fatalf("protocol damage %+v, stored %+v", dd, want)
			}
		}

		// the photo: the station's user sees it; another station and tenant do not
		photo := fmt.Sprintf("/admin/vehicles/%d/damages/%d/photos/%d/thumb", reg.VehicleID, sc.ID, sc.Photos[0].ID)
		if p := c.get(photo); p.status != http.StatusOK || p.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("photo for the station: %d %s", p.status, p.header.Get("Content-Type"))
		}
		photos := &fleet.PhotoService{Damages: s}
		muc := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID, UserID: 77,
			Role: identity.RoleStation, StationIDs: []int64{ce.muc.ID}})
		for name, ctx := range map[string]context.Context{"other station": muc, "other tenant": ce.foreign} {
			if _, _, err := photos.Get(ctx, sc.ID, sc.Photos[0].ID, false); !errs.Is(err, errs.KindNotFound) {
				t.Fatalf("%s reads the photo: %v", name, err)
			}
		}

		// the return form shows the handover's damages on the diagram, and a
		// damage reported during the rental as new against the handover
		rp := c.get(fmt.Sprintf("/admin/contracts/%d/return", ct.ID))
		if rp.status != http.StatusOK || strings.Count(rp.body, `class="marker sev-`) != 2 || strings.Contains(rp.body, "since-handover") {
			t.Fatalf("return form: %d %s", rp.status, ctExcerpt(rp.body, "ct-diagram"))
		}
		ce.clk.Advance(time.Minute)
		later := fleet.Damage{VehicleID: reg.VehicleID, View: "rear", X: 30, Y: 70, Kind: "dent", Severity: "minor", Description: "Delle Heckklappe"}
		must(t, s.CreateDamage(ce.sys(), &later))
		rp = c.get(fmt.Sprintf("/admin/contracts/%d/return", ct.ID))
		if rp.status != http.StatusOK || strings.Count(rp.body, `class="marker sev-`) != 3 || strings.Count(rp.body, "since-handover") != 1 ||
			!strings.Contains(rp.body, fmt.Sprintf(`since-handover" data-damage="%d"`, later.ID)) {
			t.Fatalf("return form after a damage during the rental: %s", ctExcerpt(rp.body, "since-handover"))
		}
	})
}
