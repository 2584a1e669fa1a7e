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

// translate returns the catalog text of key in lang, formatted with args.
// A key missing in lang falls back to German, then to the one catalog
// (package locale, positional parameters {0}, {1}, …), then to the key
// itself, so a missing translation is visible but never breaks a page.
func translate(lang, key string, args ...any) string {
	s, ok := catalog[lang][key]
	if !ok {
		s, ok = catalog["de"][key]
	}
	if !ok && locale.Has(locale.Key(key)) {
		return locale.Lang(lang).T(locale.Key(key), args...)
	}
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
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
		return catalog["de"]["form.invalid_field"]
	}
	if msg == "" {
		return catalog["en"]["form.invalid_field"]
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

// catalog holds every visible text of the admin UI per language.
var catalog = map[string]map[string]string{
	"de": {
		"app.name":             "Mietwerk",
		"nav.dashboard":        "Dashboard",
		"nav.stations":         "Stationen",
		"nav.users":            "Benutzer",
		"nav.apikeys":          "API-Zugänge",
		"nav.logout":           "Abmelden",
		"nav.menu":             "Hauptnavigation",
		"nav.signed_in_as":     "Angemeldet als",
		"lang.switch":          "Sprache",
		"lang.de":              "Deutsch",
		"lang.en":              "English",
		"common.save":          "Speichern",
		"common.cancel":        "Abbrechen",
		"common.back":          "Zurück",
		"common.edit":          "Bearbeiten",
		"common.yes":           "Ja",
		"common.no":            "Nein",
		"common.never":         "nie",
		"common.none":          "–",
		"common.saved":         "Die Änderungen wurden gespeichert.",
		"common.actions":       "Aktionen",
		"form.has_errors":      "Bitte korrigieren Sie die markierten Eingaben. Es wurde nichts gespeichert.",
		"form.invalid_field":   "Bitte prüfen Sie diese Eingabe.",
		"form.bad_hours":       "Öffnungszeiten bitte als 08:00-12:00, 13:00-18:00 eingeben (leer = geschlossen).",
		"form.code_taken":      "Dieses Kürzel ist bereits vergeben.",
		"form.email_taken":     "Diese E-Mail-Adresse wird bereits verwendet.",
		"form.conflict":        "Die Daten wurden inzwischen geändert oder sind schon vorhanden.",
		"login.title":          "Anmelden",
		"login.email":          "E-Mail",
		"login.password":       "Passwort",
		"login.submit":         "Anmelden",
		"login.failed":         "E-Mail oder Passwort ist falsch.",
		"login.throttled":      "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut.",
		"login.throttled_wait": "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie %d Sekunden und versuchen Sie es dann erneut.",
		"login.expired":        "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
		"login.required":       "Bitte melden Sie sich an.",
		"login.logged_out":     "Sie wurden abgemeldet.",
		"login.intro":          "Verwaltung für Werkstattersatzwagen und Vermietung",
		"dash.title":           "Dashboard",
		"dash.welcome":         "Willkommen, %s",
		"dash.tenant":          "Mandant",
		"dash.stations":        "Ihre Stationen",
		"dash.count_stations":  "Stationen",
		"dash.count_users":     "Benutzer",
		"dash.count_keys":      "Aktive API-Zugänge",
		"dash.no_stations":     "Noch keine Stationen angelegt.",
		"dash.as_of":           "Stand: %s",
		"st.title":             "Stationen",
		"st.new":               "Neue Station",
		"st.edit":              "Station bearbeiten",
		"st.code":              "Kürzel",
		"st.name":              "Name",
		"st.address":           "Adresse",
		"st.street":            "Straße und Hausnummer",
		"st.postal_code":       "PLZ",
		"st.city":              "Ort",
		"st.country":           "Land",
		"st.contact":           "Kontakt",
		"st.phone":             "Telefon",
		"st.email":             "E-Mail",
		"st.time_zone":         "Zeitzone",
		"st.active":            "Aktiv",
		"st.inactive":          "inaktiv",
		"st.hours":             "Öffnungszeiten",
		"st.hours_hint":        "Pro Tag z. B. „08:00-12:00, 13:00-18:00“; leer = geschlossen.",
		"st.closed":            "geschlossen",
		"st.exceptions":        "Ausnahmen und Feiertage",
		"st.exc_date":          "Datum",
		"st.exc_closed":        "Geschlossen",
		"st.exc_hours":         "Öffnungszeiten",
		"st.exc_note":          "Notiz",
		"st.exc_add":           "Ausnahme hinzufügen",
		"st.exc_remove":        "Entfernen",
		"st.exc_none":          "Keine Ausnahmen eingetragen.",
		"st.updated":           "Zuletzt geändert: %s",
		"st.none":              "Keine Stationen vorhanden.",
		"st.created":           "Die Station wurde angelegt.",
		"day.0":                "Sonntag",
		"day.1":                "Montag",
		"day.2":                "Dienstag",
		"day.3":                "Mittwoch",
		"day.4":                "Donnerstag",
		"day.5":                "Freitag",
		"day.6":                "Samstag",
		"user.title":           "Benutzer",
		"user.new":             "Neuer Benutzer",
		"user.edit":            "Benutzer bearbeiten",
		"user.email":           "E-Mail",
		"user.name":            "Name",
		"user.role":            "Rolle",
		"user.role.admin":      "Administrator",
		"user.role.station":    "Station",
		"user.language":        "Sprache",
		"user.stations":        "Stationen",
		"user.stations_hint":   "Nur für Stationsbenutzer: die Stationen, die sie sehen dürfen.",
		"user.password":        "Anfangspasswort",
		"user.new_password":    "Neues Passwort",
		"user.password_hint":   "Mindestens %d Zeichen.",
		"user.set_password":    "Passwort setzen",
		"user.password_set":    "Das Passwort wurde gesetzt; alle Sitzungen des Benutzers wurden beendet.",
		"user.status":          "Status",
		"user.active":          "aktiv",
		"user.disabled":        "deaktiviert",
		"user.disable":         "Deaktivieren",
		"user.enable":          "Aktivieren",
		"user.disabled_ok":     "Der Benutzer wurde deaktiviert.",
		"user.enabled_ok":      "Der Benutzer wurde aktiviert.",
		"user.last_login":      "Letzte Anmeldung",
		"user.created":         "Der Benutzer wurde angelegt.",
		"user.not_self":        "Sie können sich nicht selbst deaktivieren.",
		"key.title":            "API-Zugänge",
		"key.new":              "Neuer API-Zugang",
		"key.name":             "Name",
		"key.name_hint":        "Zum Beispiel die Website, die den Zugang nutzt.",
		"key.create":           "Zugang erzeugen",
		"key.prefix":           "Schlüssel beginnt mit",
		"key.created":          "Erstellt",
		"key.last_used":        "Zuletzt benutzt",
		"key.revoked":          "Widerrufen",
		"key.revoke":           "Widerrufen",
		"key.revoke_title":     "API-Zugang widerrufen",
		"key.revoke_confirm":   "Soll der API-Zugang „%s“ (%s…) wirklich widerrufen werden? Die Website kann ihn danach nicht mehr benutzen. Das lässt sich nicht rückgängig machen.",
		"key.revoke_yes":       "Ja, widerrufen",
		"key.revoked_ok":       "Der API-Zugang wurde widerrufen.",
		"key.shown_title":      "Neuer API-Schlüssel",
		"key.shown_hint":       "Kopieren Sie den Schlüssel jetzt und bewahren Sie ihn sicher auf. Er wird nur dieses eine Mal angezeigt.",
		"key.copy":             "Kopieren",
		"key.copied":           "Kopiert",
		"key.none":             "Noch keine API-Zugänge.",
		"key.active":           "aktiv",
		"err.title":            "Fehler",
		"err.400":              "Die Anfrage ist ungültig.",
		"err.401":              "Bitte melden Sie sich an.",
		"err.402":              "Die Zahlung wurde abgelehnt.",
		"err.403":              "Sie haben keine Berechtigung für diese Seite oder Aktion.",
		"err.403.csrf":         "Die Anfrage wurde aus Sicherheitsgründen abgelehnt (Sicherheitstoken fehlt, ist ungültig oder die Anfrage kam von einer anderen Website). Es wurde nichts geändert. Bitte laden Sie die Seite neu und versuchen Sie es erneut.",
		"err.404":              "Die Seite wurde nicht gefunden.",
		"err.405":              "Diese Aktion ist hier nicht möglich.",
		"err.409":              "Die Daten wurden inzwischen geändert oder sind schon vorhanden.",
		"err.413":              "Die Anfrage ist zu groß.",
		"err.422":              "Die Eingaben sind ungültig.",
		"err.429":              "Zu viele Anfragen. Bitte warten Sie einen Moment.",
		"err.500":              "Ein unerwarteter Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.",
		"err.503":              "Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut.",
		"err.reference":        "Referenz: %s",
		"err.home":             "Zur Startseite",
	},
	"en": {
		"app.name":             "Mietwerk",
		"nav.dashboard":        "Dashboard",
		"nav.stations":         "Stations",
		"nav.users":            "Users",
		"nav.apikeys":          "API keys",
		"nav.logout":           "Sign out",
		"nav.menu":             "Main navigation",
		"nav.signed_in_as":     "Signed in as",
		"lang.switch":          "Language",
		"lang.de":              "Deutsch",
		"lang.en":              "English",
		"common.save":          "Save",
		"common.cancel":        "Cancel",
		"common.back":          "Back",
		"common.edit":          "Edit",
		"common.yes":           "Yes",
		"common.no":            "No",
		"common.never":         "never",
		"common.none":          "–",
		"common.saved":         "Your changes have been saved.",
		"common.actions":       "Actions",
		"form.has_errors":      "Please correct the marked fields. Nothing has been saved.",
		"form.invalid_field":   "Please check this field.",
		"form.bad_hours":       "Enter opening hours as 08:00-12:00, 13:00-18:00 (empty = closed).",
		"form.code_taken":      "This code is already in use.",
		"form.email_taken":     "This e-mail address is already in use.",
		"form.conflict":        "The data has changed in the meantime or exists already.",
		"login.title":          "Sign in",
		"login.email":          "E-mail",
		"login.password":       "Password",
		"login.submit":         "Sign in",
		"login.failed":         "E-mail or password is wrong.",
		"login.throttled":      "Too many failed sign-ins. Please wait a few minutes and try again.",
		"login.throttled_wait": "Too many failed sign-ins. Please wait %d seconds and try again.",
		"login.expired":        "Your session has ended. Please sign in again.",
		"login.required":       "Please sign in.",
		"login.logged_out":     "You have been signed out.",
		"login.intro":          "Workshop replacement cars and rentals",
		"dash.title":           "Dashboard",
		"dash.welcome":         "Welcome, %s",
		"dash.tenant":          "Tenant",
		"dash.stations":        "Your stations",
		"dash.count_stations":  "Stations",
		"dash.count_users":     "Users",
		"dash.count_keys":      "Active API keys",
		"dash.no_stations":     "No stations yet.",
		"dash.as_of":           "As of %s",
		"st.title":             "Stations",
		"st.new":               "New station",
		"st.edit":              "Edit station",
		"st.code":              "Code",
		"st.name":              "Name",
		"st.address":           "Address",
		"st.street":            "Street and number",
		"st.postal_code":       "Postal code",
		"st.city":              "Town",
		"st.country":           "Country",
		"st.contact":           "Contact",
		"st.phone":             "Phone",
		"st.email":             "E-mail",
		"st.time_zone":         "Time zone",
		"st.active":            "Active",
		"st.inactive":          "inactive",
		"st.hours":             "Opening hours",
		"st.hours_hint":        "Per day e.g. “08:00-12:00, 13:00-18:00”; empty = closed.",
		"st.closed":            "closed",
		"st.exceptions":        "Exceptions and holidays",
		"st.exc_date":          "Date",
		"st.exc_closed":        "Closed",
		"st.exc_hours":         "Opening hours",
		"st.exc_note":          "Note",
		"st.exc_add":           "Add exception",
		"st.exc_remove":        "Remove",
		"st.exc_none":          "No exceptions.",
		"st.updated":           "Last changed: %s",
		"st.none":              "No stations.",
		"st.created":           "The station has been created.",
		"day.0":                "Sunday",
		"day.1":                "Monday",
		"day.2":                "Tuesday",
		"day.3":                "Wednesday",
		"day.4":                "Thursday",
		"day.5":                "Friday",
		"day.6":                "Saturday",
		"user.title":           "Users",
		"user.new":             "New user",
		"user.edit":            "Edit user",
		"user.email":           "E-mail",
		"user.name":            "Name",
		"user.role":            "Role",
		"user.role.admin":      "Administrator",
		"user.role.station":    "Station",
		"user.language":        "Language",
		"user.stations":        "Stations",
		"user.stations_hint":   "For station users only: the stations they may see.",
		"user.password":        "Initial password",
		"user.new_password":    "New password",
		"user.password_hint":   "At least %d characters.",
		"user.set_password":    "Set password",
		"user.password_set":    "The password has been set; all sessions of the user have been ended.",
		"user.status":          "Status",
		"user.active":          "active",
		"user.disabled":        "disabled",
		"user.disable":         "Disable",
		"user.enable":          "Enable",
		"user.disabled_ok":     "The user has been disabled.",
		"user.enabled_ok":      "The user has been enabled.",
		"user.last_login":      "Last sign-in",
		"user.created":         "The user has been created.",
		"user.not_self":        "You cannot disable yourself.",
		"key.title":            "API keys",
		"key.new":              "New API key",
		"key.name":             "Name",
		"key.name_hint":        "For example the website that uses the key.",
		"key.create":           "Create key",
		"key.prefix":           "Key starts with",
		"key.created":          "Created",
		"key.last_used":        "Last used",
		"key.revoked":          "Revoked",
		"key.revoke":           "Revoke",
		"key.revoke_title":     "Revoke API key",
		"key.revoke_confirm":   "Really revoke the API key “%s” (%s…)? The website can no longer use it afterwards. This cannot be undone.",
		"key.revoke_yes":       "Yes, revoke",
		"key.revoked_ok":       "The API key has been revoked.",
		"key.shown_title":      "New API key",
		"key.shown_hint":       "Copy the key now and keep it safe. It is shown only this once.",
		"key.copy":             "Copy",
		"key.copied":           "Copied",
		"key.none":             "No API keys yet.",
		"key.active":           "active",
		"err.title":            "Error",
		"err.400":              "The request is invalid.",
		"err.401":              "Please sign in.",
		"err.402":              "The payment was declined.",
		"err.403":              "You are not allowed to see this page or do this.",
		"err.403.csrf":         "The request was refused for security reasons (security token missing or invalid, or the request came from another site). Nothing has been changed. Please reload the page and try again.",
		"err.404":              "The page was not found.",
		"err.405":              "This action is not possible here.",
		"err.409":              "The data has changed in the meantime or exists already.",
		"err.413":              "The request is too large.",
		"err.422":              "The input is invalid.",
		"err.429":              "Too many requests. Please wait a moment.",
		"err.500":              "An unexpected error occurred. Please try again later.",
		"err.503":              "The service is temporarily unavailable. Please try again later.",
		"err.reference":        "Reference: %s",
		"err.home":             "Go to the start page",
	},
}

// addMessages merges page-group messages into the catalog. Each page group
// keeps its texts in its own file (i18n_<group>.go) and calls this from init,
// so that groups do not edit one shared table.
func addMessages(lang string, m map[string]string) {
	if catalog[lang] == nil {
		catalog[lang] = map[string]string{}
	}
	for k, v := range m {
		catalog[lang][k] = v
	}
}

// addDomainDE adds German translations of domain field messages.
func addDomainDE(m map[string]string) {
	for k, v := range m {
		domainDE[k] = v
	}
}
