package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

// Upload limits: at most maxUploadPhotos photos per damage and
// maxRequestPhotos per request (a handover or return records up to
// maxNewDamages damages), each within the fleet limits, the whole request
// within maxUploadBytes (csrf.go). Decoding them holds at most
// photoDecodeBudget bytes at once in this process, whatever the number of
// requests.
const (
	maxUploadPhotos   = 4
	maxRequestPhotos  = 12
	photoDecodeBudget = 2 * fleet.MaxDecodeBytes
)

// photos returns the photo service over the configured stores.
func (a *app) photos() *fleet.PhotoService {
	return &fleet.PhotoService{Damages: a.Damages, Blobs: a.Photos, Decoder: a.PhotoDecoder}
}

// pathID reads the path value name as a positive id.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// formInt parses a whole number typed into field name; problems get a message.
func formInt(r *http.Request, name string, problems map[string]string, lang string) int64 {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ".", ""), 10, 64)
	if err != nil {
		problems[name] = translate(lang, "fl.err_int")
	}
	return n
}

// parseCents parses an amount in euros as typed in Germany or England
// ("49", "49,90", "1.234,50", "0.25") into cents. Negative amounts and more
// than two decimals are refused.
func parseCents(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, true
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 2 || strings.ContainsAny(whole+frac, "+-") {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w > 1e12 {
		return 0, false
	}
	return w*100 + f, true
}

// formCents parses the amount in field name; problems get a message.
func formCents(r *http.Request, name string, problems map[string]string, lang string) int64 {
	c, ok := parseCents(r.PostFormValue(name))
	if !ok {
		problems[name] = translate(lang, "fl.err_money")
	}
	return c
}

// Num renders a whole number with thousands separators ("12.000" / "12,000").
func (v *view) Num(n int64) string { return locale.Lang(v.Lang).Number(n) }

// Km renders a distance (an int or int64 of km): "18.985 km" / "18,985 km".
func (v *view) Km(n any) string {
	switch x := n.(type) {
	case int:
		return locale.Lang(v.Lang).Km(int64(x))
	case int64:
		return locale.Lang(v.Lang).Km(x)
	}
	return ""
}

// Money renders cents as an amount in euros in the page's language
// ("1.234,50 €" / "€1,234.50").
func (v *view) Money(cents int64) string { return locale.Lang(v.Lang).Money(cents) }

// Percent formats a VAT rate in basis points in the reader's language ("19 %").
func (v *view) Percent(bp int) string { return locale.Lang(v.Lang).Percent(bp) }

// moneyText renders cents as the bare amount a form field holds and the
// money parser reads back ("1234,50" / "1234.50").
func moneyText(lang string, cents int64) string { return locale.Lang(lang).Amount(cents) }

// mergeProblems adds the translated field errors of err to problems (form
// problems win) and reports whether err was about the input.
func mergeProblems(lang string, err error, problems map[string]string) bool {
	m, ok := fieldErrors(lang, err)
	for k, v := range m {
		if _, dup := problems[k]; !dup {
			problems[k] = v
		}
	}
	return ok
}

// vehicleFields is what the "vehicle-fields" partial receives.
type vehicleFields struct {
	V *view
	F vehicleForm
}

// VehicleFields prepares the vehicle master-data fields for the partial.
func (v *view) VehicleFields(f vehicleForm) vehicleFields { return vehicleFields{V: v, F: f} }

// Sel returns " selected" when a equals b (for options).
func (v *view) Sel(a, b any) template.HTMLAttr {
	if fmt.Sprint(a) == fmt.Sprint(b) {
		return " selected"
	}
	return ""
}

// addFleetFuncs adds the fleet pages' template functions to funcs.
func addFleetFuncs(funcs template.FuncMap) {
	funcs["inc"] = func(i int) int { return i + 1 }
	funcs["deref"] = func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
}
