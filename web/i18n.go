package web

import (
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
)

// Languages the admin UI speaks; the first is the default.
var languages = []string{"de", "en"}

// langCookie remembers the language a visitor chose.
const langCookie = "mw_lang"

// validLang reports whether l is a language of the catalog.
func validLang(l string) bool { return l == "de" || l == "en" }

// chooseLang picks the language of a request: the language cookie, then the
// signed-in user's language, then the browser's Accept-Language, then German.
func chooseLang(r *http.Request, u *identity.User) string {
	var prefer []string
	if c, err := r.Cookie(langCookie); err == nil && validLang(c.Value) {
		prefer = append(prefer, c.Value)
	}
	if u != nil && validLang(u.Language) {
		prefer = append(prefer, u.Language)
	}
	return string(locale.Resolve(r.Header.Get("Accept-Language"), prefer...))
}

// translate returns the catalog text of key in lang with its parameters
// (see locale.Catalog.T).
func translate(lang string, key locale.Key, args ...any) string {
	return locale.Lang(lang).T(key, args...)
}

// berlin is the default time zone of everything not bound to a station.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// formatTime renders t in loc (Europe/Berlin when nil) as a date and time of
// day in the conventions of lang ("" for the zero time).
func formatTime(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = berlin
	}
	return locale.Lang(lang).DateTime(t.In(loc))
}

// weekdayOrder is the order of weekdays in forms: Monday first, as in Germany.
var weekdayOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
