package locale_test

import (
	"testing"

	"mietwerk.dev/mietwerk/locale"
)

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]locale.Lang{
		"":                              locale.German,
		"de":                            locale.German,
		"en":                            locale.English,
		"en-US,en;q=0.9":                locale.English,
		"de-AT":                         locale.German,
		"en-GB;q=0.8, de;q=0.9":         locale.German,
		"de;q=0.5, en;q=0.8":            locale.English,
		"fr-FR, fr;q=0.9":               locale.German,
		"fr-FR, en;q=0.5":               locale.English,
		"*":                             locale.German,
		"tlh;;;q=x,,":                   locale.German,
		"EN-us":                         locale.English,
		"ja, en-US;q=0.4, de-CH;q=0.3":  locale.English,
		"\x00\xff garbage \u00e4\u00f6": locale.German,
	} {
		if got := locale.Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		accept    string
		preferred []string
		want      locale.Lang
	}{
		{"en", nil, locale.English},
		{"en", []string{"de"}, locale.German},        // the cookie wins over the browser
		{"de", []string{"", "en"}, locale.English},   // no cookie: the user's setting
		{"en", []string{"xx", "fr"}, locale.English}, // neither names a catalog language
		{"", nil, locale.German},
	}
	for _, tt := range tests {
		if got := locale.Resolve(tt.accept, tt.preferred...); got != tt.want {
			t.Errorf("Resolve(%q, %q) = %s, want %s", tt.accept, tt.preferred, got, tt.want)
		}
	}
	for s, want := range map[string]bool{"de": true, "EN": true, "de-AT": true, "en_GB": true, "fr": false, "": false} {
		if _, ok := locale.Parse(s); ok != want {
			t.Errorf("Parse(%q) ok = %v", s, ok)
		}
	}
}
