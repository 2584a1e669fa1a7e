package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestConfigChangeSeenByOtherProcess: two application processes (two
// stores, pools, configuration caches and servers) on one database. A
// tariff's price changed and an opening-hour exception added through
// process A are seen by the very next booking through process B, which
// had the old configuration in its cache.
func TestConfigChangeSeenByOtherProcess(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			a := newEnv(t, d, 3, nil)
			b := newEnvWith(t, d, 0, nil, envOptions{on: a})
			ctx := identity.WithActor(context.Background(), identity.SystemFor(a.tenant.ID))
			n := 0
			book := func(pickup time.Time) resp {
				t.Helper()
				n++
				body := bookingBody(fmt.Sprintf("zwei%d@example.de", n), telecashsim.CardApproveVisa, pickup, pickup.Add(8*time.Hour))
				return b.do("POST", "/api/v1/bookings", body, "Idempotency-Key", fmt.Sprint("two-", n))
			}
			charged := func(r resp) float64 {
				t.Helper()
				if r.status != 201 {
					t.Fatalf("booking through B: %d %s", r.status, r.raw)
				}
				return r.body["price"].(map[string]any)["charged_now_cents"].(float64)
			}
			if got := charged(book(day(3, 9))); got != 4900 {
				t.Fatalf("first booking through B charged %v, want 4900", got)
			}

			tfs, err := a.st.ListTariffs(ctx)
			must(t, err)
			tf := tfs[0]
			tf.PricePerDayCents = 5900
			must(t, a.st.UpdateTariff(ctx, &tf))
			if got := charged(book(day(4, 9))); got != 5900 {
				t.Errorf("after the price change through A, B charged %v, want 5900", got)
			}

			closed := day(5, 9)
			st := a.station
			st.Exceptions = append(st.Exceptions, tenancy.Exception{Date: closed.Format("2006-01-02"), Closed: true, Note: "Betriebsversammlung"})
			must(t, a.st.UpdateStation(ctx, &st))
			if r := book(closed); r.status != 422 {
				t.Errorf("a booking through B on the day A closed the station: %d %s, want 422", r.status, r.raw)
			}
		})
	}
}
