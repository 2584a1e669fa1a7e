package web

import (
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

// readPhotos reads and checks the uploaded files of field "photos" (see
// preparePhotos). A refused file is a problem on field "photos"; nothing
// is saved then. Call it only after the user's access to the vehicle was
// checked: it decodes the photos.
func (a *app) readPhotos(r *http.Request, problems map[string]string, lang string) []fleet.Prepared {
	if r.MultipartForm == nil {
		return nil
	}
	var files []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["photos"] {
		if fh.Size > 0 || fh.Filename != "" { // not the empty file input of a form without a photo
			files = append(files, fh)
		}
	}
	out, err := a.preparePhotos(r.Context(), files)
	if err != nil {
		mergeProblems(lang, err, problems)
		return nil
	}
	return out
}

// damageCreate records a damage placed on the diagram, with its photos. The
// photos are checked before anything is saved.
func (a *app) damageCreate(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	v, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := damageEntry{View: get("view"), X: get("x"), Y: get("y"), Kind: get("kind"), Severity: get("severity"), Description: get("description")}
	problems := map[string]string{}
	d := fleet.Damage{VehicleID: v.ID, View: f.View, Kind: f.Kind, Severity: f.Severity, Description: f.Description}
	x, errx := strconv.ParseFloat(f.X, 64)
	y, erry := strconv.ParseFloat(f.Y, 64)
	if errx != nil || erry != nil {
		x, y = -1, -1 // reported as "position" by Validate
	}
	d.X, d.Y = x, y
	d.Normalize()
	mergeProblems(lang, d.Validate(), problems)
	photos := a.readPhotos(r, problems, lang)
	if len(problems) == 0 {
		err := a.Damages.CreateDamage(r.Context(), &d)
		if err == nil {
			svc := a.photos()
			for _, p := range photos {
				if _, err := svc.Save(r.Context(), d.ID, p); err != nil {
					return err
				}
			}
			http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=damage#damages", v.ID), http.StatusSeeOther)
			return nil
		}
		if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.renderVehiclePage(w, r, http.StatusUnprocessableEntity, v, func(pd *vehiclePageData) { pd.Damage = f }, problems)
	return nil
}

// damageOf returns damage {did} of vehicle {id}, both in the user's reach.
func (a *app) damageOf(r *http.Request) (fleet.Vehicle, fleet.Damage, error) {
	id, ok1 := pathID(r, "id")
	did, ok2 := pathID(r, "did")
	if !ok1 || !ok2 {
		return fleet.Vehicle{}, fleet.Damage{}, errNotFound
	}
	v, err := a.Fleet.Vehicle(r.Context(), id)
	if err != nil {
		return v, fleet.Damage{}, err
	}
	d, err := a.Damages.Damage(r.Context(), did)
	if err == nil && d.VehicleID != v.ID {
		err = errs.NotFound("damage_not_found")
	}
	if err != nil {
		return v, d, err
	}
	return v, d, nil
}

// damagePhotosAdd adds photos to a damage.
func (a *app) damagePhotosAdd(w http.ResponseWriter, r *http.Request) error {
	v, d, err := a.damageOf(r)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	problems := map[string]string{}
	photos := a.readPhotos(r, problems, lang)
	if len(photos) == 0 && len(problems) == 0 {
		problems["photos"] = translate(lang, "fl.err_photo_none")
	}
	if len(problems) > 0 {
		problems["photos."+strconv.FormatInt(d.ID, 10)] = problems["photos"]
		delete(problems, "photos")
		a.renderVehiclePage(w, r, http.StatusUnprocessableEntity, v, nil, problems)
		return nil
	}
	svc := a.photos()
	for _, p := range photos {
		if _, err := svc.Save(r.Context(), d.ID, p); err != nil {
			return err
		}
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=photos#damage-%d", v.ID, d.ID), http.StatusSeeOther)
	return nil
}

// damageRepaired records the repair date of an open damage.
func (a *app) damageRepaired(w http.ResponseWriter, r *http.Request) error {
	v, d, err := a.damageOf(r)
	if err != nil {
		return err
	}
	lang := reqCtx(r).lang
	problems := map[string]string{}
	day, err := time.Parse("2006-01-02", strings.TrimSpace(r.PostFormValue("repaired_on")))
	if err != nil {
		problems["repaired_on"] = translate(lang, "fl.err_date")
	} else {
		// Noon UTC is the same calendar day in every European time zone.
		err := a.Damages.MarkRepaired(r.Context(), d.ID, day.Add(12*time.Hour), strings.TrimSpace(r.PostFormValue("repair_note")))
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/admin/vehicles/%d?done=repaired#damages", v.ID), http.StatusSeeOther)
			return nil
		}
		if errs.Is(err, errs.KindConflict) {
			problems["repaired_on"] = translate(lang, "fl.err_repaired_already")
		} else if !mergeProblems(lang, err, problems) {
			return err
		}
	}
	a.renderVehiclePage(w, r, http.StatusUnprocessableEntity, v, func(pd *vehiclePageData) { pd.RepairID = d.ID }, problems)
	return nil
}

// damagePhoto serves a photo (or its thumbnail) of a damage of a vehicle
// the user may see, privately cacheable; anything else is the 404 page.
func (a *app) damagePhoto(thumb bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, d, err := a.damageOf(r)
		if err != nil {
			return err
		}
		pid, ok := pathID(r, "pid")
		if !ok {
			return errNotFound
		}
		ct, data, err := a.photos().Get(r.Context(), d.ID, pid, thumb)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Content-Length", strconv.Itoa(len(data)))
		h.Set("Cache-Control", "private, max-age=86400")
		h.Set("Content-Disposition", "inline")
		_, err = w.Write(data)
		return err
	}
}
