package mail_test

import (
	"net/mail"
	"testing"

	mwmail "mietwerk.dev/mietwerk/mail"
)

// TestAddressRoundTrip: every display name a person can type comes back
// unchanged from net/mail.ParseAddress(String()) — also names ending in a
// backslash, with quotes, and non-ASCII names with a backslash, which
// net/mail's own String encodes unreadably.
func TestAddressRoundTrip(t *testing.T) {
	for _, name := range []string{"", "Eva Huber", `Foo \`, `Fo"o`, `"Foo"`, `O'Brien "the \ one"`, `Müller \`, `a\"b`,
		"„Kö\"nig“", "Straubing 😀", "Ünïcödé, Komma (Klammer) <x>", `\\\`} {
		a := mwmail.Address{Name: name, Email: "kunde@example.de"}
		s := a.String()
		p, err := mail.ParseAddress(s)
		if err != nil || p.Name != name || p.Address != a.Email {
			t.Errorf("%q → %q → %+v, %v", name, s, p, err)
		}
		back, err := mwmail.ParseAddress(s)
		if err != nil || back != a {
			t.Errorf("ParseAddress(%q) = %+v, %v", s, back, err)
		}
	}
	// what older versions stored for "Müller \": a "Q" word with a raw backslash
	old := (&mail.Address{Name: `Müller \`, Address: "m@example.de"}).String()
	if back, err := mwmail.ParseAddress(old); err != nil || back.Name != `Müller \` || back.Email != "m@example.de" {
		t.Errorf("legacy %q: %+v %v", old, back, err)
	}
}
