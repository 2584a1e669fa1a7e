// Package locale is the one keyed message catalog of Mietwerk: every text a
// person reads (admin pages, the API's problem details and field errors,
// e-mails, documents) is looked up here by a stable key, in German (the
// default) and English, and every number, amount and date is formatted here.
//
// The texts live in embedded JSON files, one folder per language and one file
// per area (messages/de/fleet.json, messages/en/fleet.json, …). A text may
// carry parameters in braces, "{name}" or positional "{0}", and may have
// plural forms ("one", "other", optionally "zero") chosen by the parameter
// "n" (or "0"). Tests check that every key exists in every language with the
// same parameters, and that every key used in Go source exists.
//
// The catalog is read-only data compiled into the binary: it is parsed once,
// on first use, and never changed afterwards, so it is safe for concurrent
// use and needs no wiring.
package locale

import (
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language of the catalog.
type Lang string

// The languages of the catalog; German is the default.
const (
	German  Lang = "de"
	English Lang = "en"
)

// Langs lists every language of the catalog, the default first.
var Langs = []Lang{German, English}

// Or returns l when it is a language of the catalog, else German.
func (l Lang) Or() Lang {
	if l == English {
		return English
	}
	return German
}

// Parse returns the catalog language named by s ("de", "en", "de-AT",
// "EN"); ok is false when s names no language of the catalog.
func Parse(s string) (l Lang, ok bool) {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
	base, _, _ = strings.Cut(base, "_")
	switch Lang(base) {
	case German:
		return German, true
	case English:
		return English, true
	}
	return German, false
}

var matcher = language.NewMatcher([]language.Tag{language.German, language.English})

// Negotiate picks the catalog language that best fits an Accept-Language
// header (q-values honoured, "de-AT" counts as German, "en-US" as English).
// An empty or malformed header, or one naming only other languages, gives
// German.
func Negotiate(acceptLanguage string) Lang {
	if strings.TrimSpace(acceptLanguage) == "" {
		return German
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return German
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return German
	}
	return Langs[i]
}

// Resolve picks the language of a request: the first of preferred that names
// a catalog language (a language cookie, the signed-in user's setting), else
// the negotiated Accept-Language, else German.
func Resolve(acceptLanguage string, preferred ...string) Lang {
	for _, p := range preferred {
		if l, ok := Parse(p); ok {
			return l
		}
	}
	return Negotiate(acceptLanguage)
}
