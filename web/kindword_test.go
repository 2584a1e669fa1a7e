package web

import (
	"testing"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/locale"
)

// TestKindWordsInCatalog: every text a page says of a booking by its kind
// (kindWord) has its wording for each kind in German and English — a
// missing one would show the raw key.
func TestKindWordsInCatalog(t *testing.T) {
	cat := locale.Default()
	for _, key := range []string{"bk.cancel_confirm", "bk.cancel_btn", "bk.done.cancel", "print.reservation_title", "print.reservation_h",
		"ct.booking", "bk.plan.moved", "bk.res.one", "bk.done.period", "audit.sentence.reservation.create"} {
		for _, k := range append(booking.Kinds, "") {
			for _, l := range []locale.Lang{locale.German, locale.English} {
				if _, ok := cat.Lookup(l, kindWord(key, k)); !ok {
					t.Errorf("%s: no %s", l, kindWord(key, k))
				}
			}
		}
	}
}
