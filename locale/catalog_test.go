package locale_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"mietwerk.dev/mietwerk/locale"
)

// TestCatalogComplete fails when a key lacks a language, a text is empty,
// the languages' texts use different parameters, or plural forms are
// incomplete.
func TestCatalogComplete(t *testing.T) {
	c := locale.Default()
	if n := len(c.Keys(locale.German)); n < 50 {
		t.Fatalf("only %d keys: the catalog did not load", n)
	}
	for _, p := range c.Problems() {
		t.Error(p)
	}
}

func load(t *testing.T, files map[string]string) *locale.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	c, err := locale.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProblemsFound proves Problems reports each kind of gap.
func TestProblemsFound(t *testing.T) {
	c := load(t, map[string]string{
		"de/a.json": `{"only.de": "Nur deutsch", "params": "Höchstens {max} Zeichen", "plural": {"one": "{n} Schaden", "other": "{n} Schäden"},
			"empty": "", "nocount": {"one": "ein Schaden", "other": "Schäden"}}`,
		"en/a.json": `{"only.en": "English only", "params": "At most {limit} characters", "plural": "{n} damages",
			"empty": "x", "nocount": {"one": "one damage", "other": "damages"}}`,
	})
	got := strings.Join(c.Problems(), "\n")
	for _, want := range []string{
		"only.de: no en text", "only.en: no de text",
		"params: parameters differ between languages",
		"plural: plural forms in one language only",
		"empty: the de text is empty",
		"nocount: the de plural forms do not use {n}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Problems lacks %q; got:\n%s", want, got)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"malformed json":   {"de/a.json": `{"a": `, "en/a.json": `{}`},
		"duplicate key":    {"de/a.json": `{"a": "x"}`, "de/b.json": `{"a": "y"}`, "en/a.json": `{"a": "x"}`},
		"malformed key":    {"de/a.json": `{"A Key": "x"}`, "en/a.json": `{"A Key": "x"}`},
		"missing language": {"de/a.json": `{"a": "x"}`},
		"bad plural":       {"de/a.json": `{"a": {"few": "x"}}`, "en/a.json": `{"a": "x"}`},
	} {
		fsys := fstest.MapFS{}
		for f, body := range files {
			fsys[f] = &fstest.MapFile{Data: []byte(body)}
		}
		if _, err := locale.Load(fsys); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
	}
}

func TestT(t *testing.T) {
	c := load(t, map[string]string{
		"de/a.json": `{"damages": {"zero": "Keine offenen Schäden", "one": "{n} offener Schaden", "other": "{n} offene Schäden"},
			"vehicles": {"one": "{0} Fahrzeug", "other": "{0} Fahrzeuge"},
			"open": "Auf diesem Vertrag sind höchstens {max} offen (Stand {day}).",
			"pos": "{0} von {1}", "status": "Die Buchung ist {status}.", "st.cancelled": "storniert", "only_de": "nur deutsch",
			"braces": "JSON wie {\"a\": 1} und {unbekannt}"}`,
		"en/a.json": `{"damages": {"one": "{n} open damage", "other": "{n} open damages"},
			"vehicles": {"one": "{0} vehicle", "other": "{0} vehicles"},
			"open": "At most {max} is open on this contract (as of {day}).",
			"pos": "{0} of {1}", "status": "The booking is {status}.", "st.cancelled": "cancelled",
			"braces": "JSON like {\"a\": 1} and {unknown}"}`,
	})
	day := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		lang locale.Lang
		key  locale.Key
		args []any
		want string
	}{
		{locale.German, "damages", []any{locale.Params{"n": 0}}, "Keine offenen Schäden"},
		{locale.German, "damages", []any{locale.Params{"n": 1}}, "1 offener Schaden"},
		{locale.German, "damages", []any{locale.Params{"n": 2}}, "2 offene Schäden"},
		{locale.German, "damages", []any{locale.Params{"n": 1500}}, "1.500 offene Schäden"},
		{locale.English, "damages", []any{locale.Params{"n": 0}}, "0 open damages"},
		{locale.English, "damages", []any{locale.Params{"n": 1}}, "1 open damage"},
		{locale.German, "vehicles", []any{1}, "1 Fahrzeug"},
		{locale.English, "vehicles", []any{12}, "12 vehicles"},
		{locale.German, "open", []any{locale.Params{"max": locale.Money(123450), "day": locale.Date(day)}},
			"Auf diesem Vertrag sind höchstens 1.234,50 € offen (Stand 14.03.2026)."},
		{locale.English, "open", []any{locale.Params{"max": locale.Money(-123450), "day": locale.Date(day)}},
			"At most -€1,234.50 is open on this contract (as of 14 Mar 2026)."},
		{locale.German, "pos", []any{3, 7}, "3 von 7"},
		{locale.German, "status", []any{locale.Params{"status": locale.Key("st.cancelled")}}, "Die Buchung ist storniert."},
		{locale.English, "status", []any{locale.Params{"status": locale.Key("st.cancelled")}}, "The booking is cancelled."},
		{locale.English, "only_de", nil, "nur deutsch"},     // a gap falls back to German
		{locale.English, "no.such.key", nil, "no.such.key"}, // and then to the key
		{"fr", "status", []any{locale.Params{"status": "x"}}, "Die Buchung ist x."},
		{locale.German, "open", nil, "Auf diesem Vertrag sind höchstens {max} offen (Stand {day})."},
		{locale.German, "braces", nil, `JSON wie {"a": 1} und {unbekannt}`},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
	if got := c.ParamNames("open"); !slices.Equal(got, []string{"day", "max"}) {
		t.Errorf("ParamNames = %v", got)
	}
}
