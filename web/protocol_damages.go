package web

import (
	"context"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

// maxNewDamages caps the new damages one handover or return records.
const maxNewDamages = contract.MaxNewDamages

// damageRow is one new damage of a handover or return form, kept as typed
// so an invalid form comes back unchanged (photos must be chosen again).
type damageRow struct {
	Index                                           int
	View, X, Y, Kind, Severity, Description, Charge string
}

// Key is the row's index in the field names ("damages.<Key>.kind").
func (r damageRow) Key() string { return strconv.Itoa(r.Index) }

// N is the row's number as shown next to its marker.
func (r damageRow) N() int { return r.Index + 1 }

// damageIndexes returns the distinct row indexes N of the fields
// "damages.N.*" (values and files) in ascending order.
func damageIndexes(r *http.Request) []int {
	seen := map[int]bool{}
	add := func(k string) {
		rest, ok := strings.CutPrefix(k, "damages.")
		if !ok {
			return
		}
		n, _, ok := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(n); ok && err == nil && i >= 0 {
			seen[i] = true
		}
	}
	for k := range r.PostForm {
		add(k)
	}
	if r.MultipartForm != nil {
		for k := range r.MultipartForm.File {
			add(k)
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// readDamageRows reads the new damages placed on the diagram: per row view,
// x and y (percent of the view), kind, severity, description, with
// withCharge the amount to charge, and its photo files (read and decoded
// later by prepareRowPhotos, once the user's access is checked). Empty rows
// are skipped; the rows are renumbered 0…n-1 so that row i is
// NewDamages[i] and its problems are on "damages.i.<field>". Nothing is
// saved here.
func readDamageRows(r *http.Request, withCharge bool, f *errs.Fields) ([]damageRow, []fleet.Damage, [][]*multipart.FileHeader) {
	var rows []damageRow
	var ds []fleet.Damage
	var photos [][]*multipart.FileHeader
	idx := damageIndexes(r)
	if len(idx) > maxNewDamages {
		f.Add("damages", "protocol.too_many_damages", locale.Params{"n": maxNewDamages})
		idx = idx[:maxNewDamages]
	}
	for _, i := range idx {
		p := "damages." + strconv.Itoa(i) + "."
		get := func(k string) string { return strings.TrimSpace(r.PostFormValue(p + k)) }
		row := damageRow{View: get("view"), X: get("x"), Y: get("y"), Kind: get("kind"), Severity: get("severity"),
			Description: get("description"), Charge: get("charge")}
		var files []*multipart.FileHeader
		if r.MultipartForm != nil {
			for _, fh := range r.MultipartForm.File[p+"photos"] {
				if fh.Size > 0 || fh.Filename != "" {
					files = append(files, fh)
				}
			}
		}
		if row.Kind == "" && row.Description == "" && row.X == "" && row.Charge == "" && len(files) == 0 {
			continue
		}
		row.Index = len(rows)
		n := "damages." + row.Key() + "."
		d := fleet.Damage{View: row.View, Kind: row.Kind, Severity: row.Severity, Description: row.Description}
		x, errx := strconv.ParseFloat(row.X, 64)
		y, erry := strconv.ParseFloat(row.Y, 64)
		if errx != nil || erry != nil {
			x, y = -1, -1 // reported as "position" by Validate
		}
		d.X, d.Y = x, y
		if withCharge && row.Charge != "" {
			c, ok := parseEuro(row.Charge)
			if !ok {
				f.Add(n+"charge", "damage.charge_amount")
			}
			d.ChargeCents = c
		}
		d.Normalize()
		f.Merge(n, d.Validate())
		rows, ds, photos = append(rows, row), append(ds, d), append(photos, files)
	}
	return rows, ds, photos
}

// prepareRowPhotos checks and decodes the photo files of the damage rows
// (see preparePhotos): at most maxUploadPhotos per row and
// maxRequestPhotos in all, else nothing is read. Problems go on
// "damages.i.photos" or "damages".
func (a *app) prepareRowPhotos(ctx context.Context, files [][]*multipart.FileHeader, f *errs.Fields) [][]fleet.Prepared {
	total := 0
	for _, fs := range files {
		total += len(fs)
	}
	if total > maxRequestPhotos {
		f.Add("damages", "protocol.too_many_photos", locale.Params{"n": maxRequestPhotos})
		return nil
	}
	out := make([][]fleet.Prepared, len(files))
	for i, fs := range files {
		ps, err := a.preparePhotos(ctx, fs)
		f.Merge("damages."+strconv.Itoa(i)+".", err)
		out[i] = ps
	}
	return out
}

// preparePhotos checks and prepares uploaded photos: at most
// maxUploadPhotos; every file's size, type, dimensions and decoding memory
// from its header first, so that nothing is decoded when one is refused;
// then each is decoded within the decoder's memory budget. A refused file
// is a KindInvalid error on the field "photos".
func (a *app) preparePhotos(ctx context.Context, files []*multipart.FileHeader) ([]fleet.Prepared, error) {
	refuse := func(code locale.Key, p ...locale.Params) error {
		return errs.Invalid("error.fields_invalid", errs.Field("photos", code, p...))
	}
	refused := func(err error) error {
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			return err
		}
		return refuse("photo.unreadable")
	}
	if len(files) > maxUploadPhotos {
		return nil, refuse("fl.err_photo_count", locale.Params{"n": maxUploadPhotos})
	}
	datas := make([][]byte, 0, len(files))
	for _, fh := range files {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > fleet.MaxPhotoBytes {
			return nil, refuse("photo.too_large", locale.Params{"mb": fleet.MaxPhotoBytes >> 20})
		}
		fl, err := fh.Open()
		if err != nil {
			return nil, refuse("photo.unreadable")
		}
		data, err := io.ReadAll(io.LimitReader(fl, fleet.MaxPhotoBytes+1))
		fl.Close()
		if err != nil {
			return nil, refuse("photo.unreadable")
		}
		if _, err := fleet.ReadHeader(data); err != nil {
			return nil, refused(err)
		}
		datas = append(datas, data)
	}
	var out []fleet.Prepared
	for _, data := range datas {
		p, err := a.PhotoDecoder.Prepare(ctx, data)
		if err != nil {
			return nil, refused(err)
		}
		out = append(out, p)
	}
	return out, nil
}

// saveDamagePhotos stores the photos of the damages a protocol recorded
// (ds[i] has the id the store gave it). The protocol is stored already: a
// failure is returned for the log and the notice, nothing is undone.
func (a *app) saveDamagePhotos(ctx context.Context, ds []fleet.Damage, photos [][]fleet.Prepared) error {
	svc := a.photos()
	for i, ps := range photos {
		if i >= len(ds) || ds[i].ID == 0 {
			continue
		}
		for _, p := range ps {
			if _, err := svc.Save(ctx, ds[i].ID, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// diagramMarker is a damage drawn on the handover/return diagram.
type diagramMarker struct {
	N        int
	ID       int64
	CX, CY   float64
	Severity string
	New      bool // reported since the handover (shown on the return)
}

// Views are the diagram views (as on the vehicle page).
func (d damageViewData) Views() []diagramView { return diagramViews }

// Markers returns the vehicle's open damages on view v, numbered as listed.
func (d damageViewData) Markers(v diagramView) []diagramMarker {
	var out []diagramMarker
	for i, dm := range d.Damages {
		if dm.View == v.Key && dm.Open() {
			out = append(out, diagramMarker{N: i + 1, ID: dm.ID, CX: dm.X * float64(v.W) / 100, CY: dm.Y * float64(v.H) / 100,
				Severity: dm.Severity, New: d.New[dm.ID]})
		}
	}
	return out
}

// damageRowViewData is what the "damage-row" partial receives.
type damageRowViewData struct {
	V      *view
	R      damageRow
	Key    string // "__i__" in the row template that script clones
	Charge bool
	P      protoForm
}

// addDamageFuncs adds the damage rows' template functions to funcs.
func addDamageFuncs(funcs template.FuncMap) {
	funcs["damageRowView"] = func(v *view, r damageRow, charge bool, p protoForm) damageRowViewData {
		return damageRowViewData{V: v, R: r, Key: r.Key(), Charge: charge, P: p}
	}
	funcs["damageRowTemplate"] = func(v *view, charge bool, p protoForm) damageRowViewData {
		return damageRowViewData{V: v, R: damageRow{Severity: "minor"}, Key: "__i__", Charge: charge, P: p}
	}
}

// SinceHandover returns the ids of the listed damages reported after the
// handover protocol: what is new against the handover state.
func (d returnData) SinceHandover() map[int64]bool {
	m := map[int64]bool{}
	for _, dm := range d.Damages {
		if d.Handover.ID != 0 && dm.ReportedAt.After(d.Handover.RecordedAt) {
			m[dm.ID] = true
		}
	}
	return m
}

// MainIncomplete reports whether the main driver's licence data still has
// to be entered (the handover form then shows the driver unfolded).
func (d handoverData) MainIncomplete() bool {
	for _, r := range d.Drivers {
		if r.Role == "main" {
			return r.FirstName == "" || r.LastName == "" || r.LicenceNumber == "" || r.LicenceClass == "" ||
				r.LicenceIssuedOn == "" || r.LicenceCountry == ""
		}
	}
	return true
}
