package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
)

// fleetWorld is the fleet fixture of an env: a category and a tariff per
// tenant, a vehicle at REG (the station user's), one at MUC and one of the
// other tenant.
type fleetWorld struct {
	cat, foreignCat       fleet.Category
	tariff, foreignTariff pricing.Tariff
	reg, muc, foreign     fleet.Vehicle
	foreignCtx            context.Context
}

func seedFleet(t *testing.T, e *env) *fleetWorld {
	t.Helper()
	w := &fleetWorld{foreignCtx: identity.WithActor(context.Background(), identity.SystemFor(e.foreign.TenantID))}
	w.cat = fleet.Category{Code: "CDMR", NameDE: "Kompaktklasse", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
	must(t, e.store.CreateCategory(e.sys(), &w.cat))
	w.foreignCat = fleet.Category{Code: "XFOR", NameDE: "Fremdgruppe", NameEN: "Foreign", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
	must(t, e.store.CreateCategory(w.foreignCtx, &w.foreignCat))
	w.tariff = pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4990, IncludedKMPerDay: 200,
		ExtraKMCents: 25, DayCounting: "24h", GraceMinutes: 59, VATRateBP: 1900, ValidFrom: "2026-01-01",
		CategoryIDs: []int64{w.cat.ID}, Active: true}
	must(t, e.store.CreateTariff(e.sys(), &w.tariff))
	w.foreignTariff = pricing.Tariff{Code: "FREMD", Name: "Fremdtarif", Kind: "standard", PricePerDayCents: 100, DayCounting: "24h",
		VATRateBP: 1900, ValidFrom: "2026-01-01", CategoryIDs: []int64{w.foreignCat.ID}, Active: true}
	must(t, e.store.CreateTariff(w.foreignCtx, &w.foreignTariff))
	mk := func(ctx context.Context, st, cat int64, plate, vin, model string) fleet.Vehicle {
		v := fleet.Vehicle{StationID: st, CategoryID: cat, Plate: plate, VIN: vin, Make: "VW", Model: model, OdometerKM: 12000, FuelEighths: 8}
		must(t, e.store.CreateVehicle(ctx, &v))
		return v
	}
	w.reg = mk(e.sys(), e.reg.ID, w.cat.ID, "R-MW 101", "WVWZZZ1KZAW000101", "Golf")
	w.muc = mk(e.sys(), e.muc.ID, w.cat.ID, "M-MW 202", "WVWZZZ1KZAW000202", "Passat")
	w.foreign = mk(w.foreignCtx, e.foreign.ID, w.foreignCat.ID, "PA-FR 303", "WVWZZZ1KZAW000303", "Tiguan")
	return w
}

// postMultipart sends fields and files (field name → file name → bytes) as
// multipart/form-data with this server's Origin.
func (c *client) postMultipart(path string, fields url.Values, files map[string]map[string][]byte) page {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, fs := range files {
		for name, data := range fs {
			fw, err := mw.CreateFormFile(field, name)
			if err != nil {
				c.t.Fatal(err)
			}
			fw.Write(data)
		}
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	return c.do(req)
}

// getRaw fetches path without following redirects' bodies specially.
func (c *client) getHeaders(path string, headers ...string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// testImage returns a w×h picture with a gradient, encoded as png or jpeg.
func testImage(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var thumbRE = regexp.MustCompile(`src="(/admin/vehicles/\d+/damages/\d+/photos/\d+)/thumb"`)

// photoPaths returns the photo URLs shown as thumbnails on a page.
func (p page) photoPaths() []string {
	var out []string
	for _, m := range thumbRE.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func vehiclePath(v fleet.Vehicle) string { return fmt.Sprintf("/admin/vehicles/%d", v.ID) }
