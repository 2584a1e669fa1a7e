package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet/fleettest"
)

// TestUploadsCheckedBeforeDecoding: photos sent with a handover or return
// are decoded only after the user's access to the reservation or contract
// is checked: a station user posting photos for another station's or
// tenant's booking gets 404 and the server decoded nothing (the decoder's
// counter stays 0). More photos than one request may carry are refused
// before any is decoded; a header that promises a decompression bomb is
// refused without decoding it or the others; a good upload is decoded.
func TestUploadsCheckedBeforeDecoding(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		reg, muc, foreign := ce.res["reg"], ce.res["muc"], ce.res["foreign"]
		csrf := c.get(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID)).csrf(t)
		damage := func(i int) map[string]string {
			k := fmt.Sprintf("damages.%d.", i)
			return map[string]string{k + "view": "left", k + "x": "20", k + "y": "40", k + "kind": "scratch", k + "severity": "minor"}
		}
		photo := testPNG(t)

		// another station's and another tenant's booking: 404, nothing decoded
		form := handoverForm(csrf, true, "5000")
		for k, v := range damage(0) {
			form.Set(k, v)
		}
		for _, id := range []int64{muc.ID, foreign.ID} {
			p := c.postMultipart(fmt.Sprintf("/admin/reservations/%d/handover", id), form,
				map[string]map[string][]byte{"damages.0.photos": {"a.png": photo, "b.png": photo}})
			if p.status != http.StatusNotFound {
				t.Errorf("handover with photos for reservation %d of another station: %d", id, p.status)
			}
		}
		if n := ce.photos.Decodes(); n != 0 {
			t.Fatalf("%d photos decoded for bookings the user cannot see", n)
		}

		// 13 photos over 4 damages: refused before decoding any
		files := map[string]map[string][]byte{}
		for i := 0; i < 4; i++ {
			for k, v := range damage(i) {
				form.Set(k, v)
			}
			files[fmt.Sprintf("damages.%d.photos", i)] = map[string][]byte{}
		}
		for i := 0; i < 13; i++ {
			files[fmt.Sprintf("damages.%d.photos", i%4)][fmt.Sprintf("p%d.png", i)] = photo
		}
		// 4+3+3+3 = 13 photos, at most 4 per damage
		p := c.postMultipart(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), form, files)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="damages"`) {
			t.Errorf("13 photos: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}
		if n := ce.photos.Decodes(); n != 0 {
			t.Fatalf("%d photos decoded of a request with too many photos", n)
		}

		// one good photo and a bomb: the bomb is refused from its header and
		// nothing is decoded, nothing stored
		form = handoverForm(csrf, true, "5000")
		for k, v := range damage(0) {
			form.Set(k, v)
		}
		p = c.postMultipart(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), form,
			map[string]map[string][]byte{"damages.0.photos": {"a.png": photo, "bomb.png": fleettest.PNGBomb16(6000)}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="damages.0.photos"`) {
			t.Errorf("bomb: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}
		if n := ce.photos.Decodes(); n != 0 {
			t.Fatalf("%d photos decoded next to a bomb", n)
		}
		if _, err := ce.store.ContractByReservation(ce.sys(), reg.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("handover stored despite the refused photo: %v", err)
		}

		// the good photo alone: decoded once, handover stored
		p = c.postMultipart(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), form,
			map[string]map[string][]byte{"damages.0.photos": {"a.png": photo}})
		if p.status != http.StatusOK || !strings.Contains(p.url.RawQuery, "done=handover") {
			t.Fatalf("handover: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}
		if n := ce.photos.Decodes(); n != 1 {
			t.Errorf("decodes after one good photo: %d", n)
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
		if err != nil {
			t.Fatal(err)
		}

		// the return of a contract of another station (the admin hands MUC over)
		ac := ce.client(t)
		ac.login(adminEmail, password)
		acsrf := ac.get(fmt.Sprintf("/admin/reservations/%d/handover", muc.ID)).csrf(t)
		if p := ac.post(fmt.Sprintf("/admin/reservations/%d/handover", muc.ID), handoverForm(acsrf, true, "5000")); p.status != http.StatusOK {
			t.Fatalf("admin handover MUC: %d", p.status)
		}
		mct, err := ce.store.ContractByReservation(ce.sys(), muc.ID)
		if err != nil {
			t.Fatal(err)
		}
		rform := handoverForm(csrf, true, "5100")
		for k, v := range damage(0) {
			rform.Set(k, v)
		}
		p = c.postMultipart(fmt.Sprintf("/admin/contracts/%d/return", mct.ID), rform,
			map[string]map[string][]byte{"damages.0.photos": {"a.png": photo}})
		if p.status != http.StatusNotFound {
			t.Errorf("return with photos of another station's contract: %d", p.status)
		}
		if n := ce.photos.Decodes(); n != 1 {
			t.Errorf("decodes after a refused return: %d", n)
		}
		_ = ct
	})
}
