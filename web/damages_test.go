package web_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/photofs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/web"
)

func damageFields(tok string) url.Values {
	return url.Values{"csrf": {tok}, "view": {"left"}, "x": {"30.5"}, "y": {"55"}, "kind": {"scratch"},
		"severity": {"medium"}, "description": {"Kratzer hintere Tür"}}
}

func TestDamageWithPhotos(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		path := vehiclePath(w.reg)
		tok := c.token(path)
		photo := testImage(t, "jpeg", 1200, 800)

		// Invalid: no position, no kind, a text file as photo. Nothing saved.
		bad := damageFields(tok)
		bad.Set("x", "")
		bad.Set("kind", "")
		p := c.postMultipart(path+"/damages", bad, map[string]map[string][]byte{"photos": {"notes.jpg": []byte("just some text, not an image")}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		if fe["position"] == "" || fe["kind"] == "" || fe["photos"] != "Bitte ein Foto im Format JPEG, PNG oder WebP hochladen." {
			t.Fatalf("field errors %v", fe)
		}
		wantContains(t, p, "Kratzer hintere Tür") // typed text comes back
		// A valid damage with a bad photo is refused as a whole.
		p = c.postMultipart(path+"/damages", damageFields(tok), map[string]map[string][]byte{"photos": {"a.png": testImage(t, "png", 10, 10)[:40]}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if ds, _ := e.store.ListDamages(e.sys(), w.reg.ID, false); len(ds) != 0 {
			t.Fatalf("refused damages saved: %+v", ds)
		}

		p = c.postMultipart(path+"/damages", damageFields(tok), map[string]map[string][]byte{"photos": {"tuer.jpg": photo}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Schaden wurde erfasst.", "Kratzer hintere Tür", "1 offener Schaden", `class="marker sev-medium"`, `cx="61" cy="55"`)
		paths := p.photoPaths()
		if len(paths) != 1 {
			t.Fatalf("thumbnails on the page: %v", paths)
		}
		full := c.get(paths[0])
		wantStatus(t, full, http.StatusOK)
		if full.body != string(photo) || full.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("photo: %d bytes, %s", len(full.body), full.header.Get("Content-Type"))
		}
		if cc := full.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Fatalf("Cache-Control %q", cc)
		}
		thumb := c.get(paths[0] + "/thumb")
		wantStatus(t, thumb, http.StatusOK)
		img, format, err := image.Decode(bytes.NewReader([]byte(thumb.body)))
		if err != nil || format != "jpeg" || img.Bounds().Dx() != 320 || img.Bounds().Dy() != 213 {
			t.Fatalf("thumbnail %s %v %v", format, img.Bounds(), err)
		}

		// More photos to the damage; a request without a file is refused.
		ds, err := e.store.ListDamages(e.sys(), w.reg.ID, false)
		must(t, err)
		dpath := path + "/damages/" + itoa(ds[0].ID)
		p = c.postMultipart(dpath+"/photos", url.Values{"csrf": {tok}}, nil)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["photos."+itoa(ds[0].ID)] == "" {
			t.Fatalf("no message for a missing photo: %v", p.fieldErrors())
		}
		p = c.postMultipart(dpath+"/photos", url.Values{"csrf": {tok}}, map[string]map[string][]byte{"photos": {"b.png": testImage(t, "png", 64, 64)}})
		wantStatus(t, p, http.StatusOK)
		if n := len(p.photoPaths()); n != 2 {
			t.Fatalf("%d thumbnails after adding one", n)
		}
		// A photo over 10 MB is refused.
		huge := append(testImage(t, "jpeg", 20, 20), make([]byte, fleet.MaxPhotoBytes)...)
		p = c.postMultipart(dpath+"/photos", url.Values{"csrf": {tok}}, map[string]map[string][]byte{"photos": {"huge.jpg": huge}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["photos."+itoa(ds[0].ID)]; got != "Ein Foto darf höchstens 10 MB groß sein." {
			t.Fatalf("huge photo message %q", got)
		}

		// Repaired: a date before the report is refused, then accepted.
		p = c.post(dpath+"/repaired", url.Values{"csrf": {tok}, "repaired_on": {"2026-01-01"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["repaired_on"] == "" {
			t.Fatal("repair before the report accepted")
		}
		p = c.post(dpath+"/repaired", url.Values{"csrf": {tok}, "repaired_on": {"2026-11-27"}, "repair_note": {"Lackiert"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Schaden wurde als repariert eingetragen.", "repariert am 27.11.2026", "Keine offenen Schäden", "Lackiert")
		wantLacks(t, p, `class="marker`)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDamagePhotosInFolder runs the upload against the --photo-dir store:
// the bytes land in the folder, the database keeps only the metadata, and
// the page serves them.
func TestDamagePhotosInFolder(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	w := seedFleet(t, e)
	dir := filepath.Join(t.TempDir(), "photos")
	h := web.New(web.Deps{Identity: e.id, Users: e.store, Tenancy: e.store, Now: e.clk.Now,
		Fleet: e.store, Damages: e.store, Categories: e.store, Pricing: e.store, Tariffs: e.store,
		Photos: photofs.At(dir), Logger: slog.New(slog.NewJSONHandler(e.log, nil))})
	e.srv.Close()
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	c := e.client(t)
	c.mustLogin(stationEmail)
	path := vehiclePath(w.reg)
	photo := testImage(t, "png", 400, 300)
	p := c.postMultipart(path+"/damages", damageFields(c.token(path)), map[string]map[string][]byte{"photos": {"x.png": photo}})
	wantStatus(t, p, http.StatusOK)
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("folder holds %d files, want photo and thumbnail", len(files))
	}
	var inDB int
	must(t, e.store.DB().QueryRow(`SELECT count(*) FROM damage_photos WHERE storage = 'dir' AND data IS NULL AND thumb IS NULL`).Scan(&inDB))
	if inDB != 1 {
		t.Fatalf("%d metadata-only rows", inDB)
	}
	paths := p.photoPaths()
	if len(paths) != 1 {
		t.Fatalf("thumbnails %v", paths)
	}
	if got := c.get(paths[0]); got.body != string(photo) || got.header.Get("Content-Type") != "image/png" {
		t.Fatalf("photo from folder: %d bytes", len(got.body))
	}
	wantStatus(t, c.get(paths[0]+"/thumb"), http.StatusOK)
	// The admin can read it; the MUC-only view of another tenant cannot
	// (the isolation matrix covers station users in detail).
	admin := e.client(t)
	admin.mustLogin(adminEmail)
	wantStatus(t, admin.get(paths[0]), http.StatusOK)
}
