package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
// signed-in user's language, then German.
func chooseLang(r *http.Request, u *identity.User) string {
	if c, err := r.Cookie(langCookie); err == nil && validLang(c.Value) {
		return c.Value
	}
	if u != nil && validLang(u.Language) {
		return u.Language
	}
	return "de"
}

// translate returns the catalog text of key in lang with its parameters
// (see locale.Catalog.T).
func translate(lang string, key locale.Key, args ...any) string {
	return locale.Lang(lang).T(key, args...)
}

// fieldMessage translates a domain field message (English, from errs.FieldError)
// into lang. German has a table of the known messages and a generic text for
// unknown ones; English shows the message as a sentence.
func fieldMessage(lang, msg string) string {
	if lang == "de" {
		if s, ok := domainDE[msg]; ok {
			return s
		}
		for _, x := range dynamicDE {
			if m := x.re.FindStringSubmatch(msg); m != nil {
				return fmt.Sprintf(x.de, m[1])
			}
		}
		return translate("de", "form.invalid_field")
	}
	if msg == "" {
		return translate("en", "form.invalid_field")
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// berlin is the default time zone of everything not bound to a station.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// formatTime renders t in loc in the conventions of lang ("" for the zero time).
func formatTime(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = berlin
	}
	t = t.In(loc)
	if lang == "en" {
		return t.Format("2006-01-02 15:04 MST")
	}
	return t.Format("02.01.2006, 15:04 Uhr")
}

// weekdayOrder is the order of weekdays in forms: Monday first, as in Germany.
var weekdayOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// dynamicDE translates the domain field messages that carry a value (an
// amount, a date) into German: the value is the pattern's one group.
var dynamicDE = []struct {
	re *regexp.Regexp
	de string
}{
	{regexp.MustCompile(`^at most (.+) is open on this contract$`), "Auf diesem Vertrag sind höchstens %s offen."},
	{regexp.MustCompile(`^at most (.+) has been paid too much on this contract$`), "Auf diesem Vertrag sind höchstens %s zu viel gezahlt."},
	{regexp.MustCompile(`^the day the money was received cannot be before the contract started \((.+)\)$`),
		"Der Tag des Zahlungseingangs darf nicht vor dem Vertragsbeginn (%s) liegen."},
	{regexp.MustCompile(`^at most (.+) can be refunded to the card; give the rest back at the counter or by transfer$`),
		"Auf die Karte können höchstens %s erstattet werden; den Rest bitte bar oder per Überweisung erstatten."},
}

// domainDE translates the field messages of the domain packages into German.
// The keys must match the English messages in tenancy and identity exactly.
var domainDE = map[string]string{
	"use 1–16 capital letters, digits or '-', e.g. MUC-NORD": "1–16 Großbuchstaben, Ziffern oder „-“ verwenden, z. B. MUC-NORD.",
	"enter a name":                                              "Bitte einen Namen eingeben.",
	"at most 120 characters":                                    "Höchstens 120 Zeichen.",
	"enter street and number":                                   "Bitte Straße und Hausnummer eingeben.",
	"enter a postal code":                                       "Bitte eine Postleitzahl eingeben.",
	"a German postal code has 5 digits":                         "Eine deutsche Postleitzahl hat 5 Ziffern.",
	"enter a town":                                              "Bitte einen Ort eingeben.",
	"use a two-letter country code such as DE":                  "Bitte einen zweistelligen Ländercode wie DE verwenden.",
	"enter a valid e-mail address":                              "Bitte eine gültige E-Mail-Adresse eingeben.",
	"unknown time zone; use an IANA name such as Europe/Berlin": "Unbekannte Zeitzone; bitte einen IANA-Namen wie Europe/Berlin verwenden.",
	"each opening time must be before its closing time, within the day": "Jede Öffnungszeit muss vor ihrer Schließzeit und innerhalb des Tages liegen.",
	"opening times overlap":                                                     "Die Öffnungszeiten überschneiden sich.",
	"enter the date as YYYY-MM-DD":                                              "Bitte das Datum als JJJJ-MM-TT eingeben.",
	"this date is listed twice":                                                 "Dieses Datum ist doppelt eingetragen.",
	"enter opening hours or mark the day closed":                                "Bitte Öffnungszeiten eingeben oder den Tag als geschlossen markieren.",
	"choose admin or station":                                                   "Bitte Administrator oder Station wählen.",
	"a station user needs at least one station":                                 "Ein Stationsbenutzer braucht mindestens eine Station.",
	"choose de or en":                                                           "Bitte Deutsch oder Englisch wählen.",
	fmt.Sprintf("use at least %d characters", identity.MinPasswordLength):       fmt.Sprintf("Bitte mindestens %d Zeichen verwenden.", identity.MinPasswordLength),
	"use at most 256 characters":                                                "Höchstens 256 Zeichen.",
	"this code is already used by another station":                              "Dieses Kürzel wird schon von einer anderen Station verwendet.",
	"another login already uses this e-mail address":                            "Diese E-Mail-Adresse wird schon von einem anderen Zugang verwendet.",
	"this e-mail address cannot be used for a login; please choose another one": "Diese E-Mail-Adresse kann nicht für einen Zugang verwendet werden; bitte wählen Sie eine andere.",
	"choose stations of your own company":                                       "Bitte Stationen des eigenen Unternehmens wählen.",
	"enter a name, e.g. the website it is for":                                  "Bitte einen Namen eingeben, z. B. die Website, für die der Zugang ist.",
}

// addDomainDE adds German translations of domain field messages.
func addDomainDE(m map[string]string) {
	for k, v := range m {
		domainDE[k] = v
	}
}
