package store_test

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
)

// TestRentalTermsVersions: a contract started before a change of the AGB
// prints the version it was signed under; another tenant has its own; only
// an admin changes them; bad text changes nothing.
func TestRentalTermsVersions(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		admin := as(w.actor(0, -1))
		start := clk.Now()
		if _, ok, err := s.RentalTermsAt(admin, start); err != nil || ok {
			t.Fatalf("terms before any: %v %v", ok, err)
		}
		mustNil(t, s.SetRentalTerms(admin, "§ 1 Mietzeit\r\nDer Mieter …  "))
		clk.Advance(48 * time.Hour)
		mustNil(t, s.SetRentalTerms(admin, "§ 1 Mietzeit (neu)"))
		mustNil(t, s.SetRentalTerms(admin, "§ 1 Mietzeit (neu)")) // unchanged: no new version
		v1, ok, err := s.RentalTermsAt(admin, start.Add(time.Hour))
		mustNil(t, err)
		if !ok || v1.Body != "§ 1 Mietzeit\nDer Mieter …" {
			t.Fatalf("version at the contract's start: %q", v1.Body)
		}
		v2, _, err := s.RentalTermsAt(admin, clk.Now())
		mustNil(t, err)
		if v2.Body != "§ 1 Mietzeit (neu)" {
			t.Fatalf("current version: %q", v2.Body)
		}
		var n int
		mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM rental_terms`).Scan(&n))
		if n != 2 {
			t.Fatalf("%d versions stored, want 2", n)
		}
		if _, ok, _ := s.RentalTermsAt(as(w.actor(1, -1)), clk.Now()); ok {
			t.Fatal("the other tenant sees these terms")
		}
		if err := s.SetRentalTerms(as(w.actor(0, 0)), "x"); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user: %v", err)
		}
		for _, bad := range []string{"a\x00b", "a\x1bb", strings.Repeat("ä", 60001)} {
			if err := s.SetRentalTerms(admin, bad); !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("bad text accepted: %v", err)
			}
		}
		if cur, _, _ := s.RentalTermsAt(admin, clk.Now()); cur.Body != v2.Body {
			t.Fatalf("a refused text changed the terms: %q", cur.Body)
		}
	})
}
